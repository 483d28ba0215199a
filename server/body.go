package server

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/skypanel/skypanel/apispec"
)

// Request bodies (apispec.Validator). Which media types an operation accepts comes from its
// requestBody in the spec; the decision is made from the headers alone, before anything reads
// the body. JSON and form bodies are then read whole within a limit (so validation and
// handlers see a bounded buffer); octet-stream bodies, accepted only where the spec declares
// them, are streamed to the handler unread. The documentation's Node.js client posts `{}` to
// operations without a body (start, stop): that body is accepted as none.

// bodyLimit is the largest JSON or form body the operation reads: Config.MaxTokenBodyBytes for
// the OAuth2 endpoints, Config.MaxBodyBytes elsewhere.
func (a *App) bodyLimit(op *Operation) int64 {
	if strings.HasPrefix(op.Path, "/oauth2/") {
		return a.cfg.MaxTokenBodyBytes
	}
	return a.cfg.MaxBodyBytes
}

// refuseUnread closes the HTTP/1 connection of a request refused before its body was read.
func refuseUnread(c *gin.Context) { apispec.RefuseUnread(c.Writer, c.Request) }
