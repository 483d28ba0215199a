package server

import (
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"
)

// accessLog writes one line per request to the "access" logger after the response is written:
// request id, method, route (the spec's path template, never the raw path with its ids and
// query), operation id, client id (from the principal; never a token or a secret), client IP,
// status, duration and response bytes. It runs outermost, so refused requests are logged too.
func (a *App) accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		attrs := make([]slog.Attr, 0, 10)
		rid, _ := c.Get(ctxRequestID)
		s, _ := rid.(string)
		attrs = append(attrs, slog.String("requestId", s), slog.String("method", c.Request.Method))
		route, opID := c.FullPath(), ""
		if op := a.contract.Lookup(c.Request.Method, route); op != nil {
			route, opID = op.Path, op.ID
		}
		attrs = append(attrs, slog.String("route", route), slog.String("operationId", opID))
		clientID := ""
		if p := PrincipalFrom(c.Request.Context()); p != nil {
			clientID = p.ClientID
		}
		attrs = append(attrs, slog.String("clientId", clientID),
			slog.String("ip", c.ClientIP()),
			slog.Int("status", c.Writer.Status()),
			slog.Duration("duration", time.Since(start)),
			slog.Int("bytes", max(c.Writer.Size(), 0)))
		a.access.LogAttrs(c.Request.Context(), slog.LevelInfo, "request", attrs...)
	}
}
