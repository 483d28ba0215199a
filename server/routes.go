package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/skypanel/skypanel/gen"
)

// Handlers implements the generated strict server interface.
type Handlers struct{ a *App }

var _ gen.StrictServerInterface = (*Handlers)(nil)

func (a *App) registerRoutes(e *gin.Engine) error {
	h := &Handlers{a: a}
	strict := gen.NewStrictHandlerWithOptions(h, []gen.StrictMiddlewareFunc{a.transferGuard, detachContext}, gen.StrictGinServerOptions{
		RequestErrorHandlerFunc: func(c *gin.Context, err error) {
			a.writeError(c, bindError(err))
		},
		ResponseErrorHandlerFunc: func(c *gin.Context, err error) {
			a.writeError(c, err)
		},
		HandlerErrorFunc: func(c *gin.Context, err error) {
			a.writeError(c, err)
		},
	})
	gen.RegisterHandlersWithOptions(e, strict, gen.GinServerOptions{
		ErrorHandler: func(c *gin.Context, err error, status int) {
			// parameter binding failed (the validator normally catches these first)
			a.writeError(c, newAPIError(http.StatusBadRequest, CodeFieldInvalid, err.Error(), nil))
		},
	})
	return nil
}

// bindError maps a body decoding failure of the strict handler to the envelope.
func bindError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return newAPIError(http.StatusRequestEntityTooLarge, CodePayloadTooLarge, "request body too large",
			map[string]any{"limit": mbe.Limit})
	}
	if ae := bodyFieldError(err); ae != nil { // errmap.go
		return ae
	}
	msg := err.Error()
	if i := strings.Index(msg, ":"); i > 0 && len(msg) > 200 {
		msg = msg[:i]
	}
	return newAPIError(http.StatusBadRequest, CodeFieldInvalid, "malformed request body: "+msg, map[string]any{"field": "body"})
}

// detachContext hands handlers a copy of the pooled *gin.Context: code below the handler
// (database/sql watchers, background work) may still read its context after gin has recycled
// the original for another request.
func detachContext(f gen.StrictHandlerFunc, _ string) gen.StrictHandlerFunc {
	return func(c *gin.Context, req any) (any, error) {
		cp := c.Copy()
		cp.Writer = c.Writer
		return f(cp, req)
	}
}
