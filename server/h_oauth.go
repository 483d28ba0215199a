package server

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skypanel/skypanel/gen"
)

func nowUTC() time.Time { return time.Now().UTC() }

// httpResponse hands the response to an http.Handler (fosite's token and introspection
// endpoints speak RFC 6749/7662 themselves).
type httpResponse struct {
	h http.Handler
	r *http.Request
}

func (x httpResponse) VisitOauth2TokenResponse(w http.ResponseWriter) error {
	x.h.ServeHTTP(w, x.r)
	return nil
}

func (x httpResponse) VisitOauth2IntrospectResponse(w http.ResponseWriter) error {
	x.h.ServeHTTP(w, x.r)
	return nil
}

// Oauth2Token issues access tokens (client credentials grant).
func (h *Handlers) Oauth2Token(ctx context.Context, _ gen.Oauth2TokenRequestObject) (gen.Oauth2TokenResponseObject, error) {
	return httpResponse{h: h.a.oauth.TokenHandler(), r: ginRequest(ctx)}, nil
}

// Oauth2Introspect answers RFC 7662 introspection for admin and node clients.
func (h *Handlers) Oauth2Introspect(ctx context.Context, _ gen.Oauth2IntrospectRequestObject) (gen.Oauth2IntrospectResponseObject, error) {
	return httpResponse{h: h.a.oauth.IntrospectHandler(), r: ginRequest(ctx)}, nil
}

// ginRequest returns the *http.Request behind a strict handler's context.
func ginRequest(ctx context.Context) *http.Request {
	if c, ok := ctx.(*gin.Context); ok {
		return c.Request
	}
	return nil
}
