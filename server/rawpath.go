package server

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// Path parameters are data: a file name such as `fabric-api-0.92.0+1.20.1.jar` must reach the
// handler byte for byte. gin's own unescaping uses query-string rules (`+` → space), so the
// engine routes on the escaped path, keeps parameter values escaped, and decodePathParams
// decodes them once with URL-path rules (url.PathUnescape) before anything reads them.

// usePathDecoding configures e to match routes on the escaped path and leave the parameters
// escaped; decodePathParams (installed by the caller, before the guard) decodes them.
func usePathDecoding(e *gin.Engine) {
	e.UseEscapedPath = true
	e.UseRawPath = false
	e.UnescapePathValues = false
}

// decodePathParams decodes every path parameter of the matched route with URL-path rules.
// A malformed escape (which net/http normally refuses earlier) is 400 ErrFieldInvalid naming
// the parameter.
func (a *App) decodePathParams(c *gin.Context) {
	for i, p := range c.Params {
		v, err := url.PathUnescape(p.Value)
		if err != nil {
			refuseUnread(c)
			a.writeError(c, newAPIError(http.StatusBadRequest, CodeFieldInvalid,
				"malformed percent-encoding in path parameter "+p.Key, map[string]any{"field": p.Key}))
			return
		}
		c.Params[i].Value = v
	}
	c.Next()
}

// filePathAdapter lets `{path}` of the file routes carry slashes. gin matches one segment per
// parameter, so before routing the tail after /api/servers/{id}/file/ is re-encoded with %2F:
// `file/config/server.properties` (raw slashes, as curl sends) and
// `file/config%2Fserver.properties` (what generated clients send) reach the same handler with
// path "config/server.properties". `file/` (the root) is a route of its own and passes as it is.
func filePathAdapter(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if raw, ok := encodeFileTail(r.URL.EscapedPath()); ok {
			u := *r.URL
			dec, err := url.PathUnescape(raw)
			if err != nil {
				next.ServeHTTP(w, r) // malformed escapes: let routing answer
				return
			}
			u.Path, u.RawPath = dec, raw
			r2 := *r
			r2.URL = &u
			r = &r2
		}
		next.ServeHTTP(w, r)
	})
}

// encodeFileTail rewrites /api/servers/X/file/a/b into /api/servers/X/file/a%2Fb; ok is false
// when there is nothing to rewrite.
func encodeFileTail(escaped string) (string, bool) {
	const prefix = "/api/servers/"
	if !strings.HasPrefix(escaped, prefix) {
		return "", false
	}
	rest := escaped[len(prefix):]
	slash := strings.IndexByte(rest, '/')
	if slash <= 0 || !strings.HasPrefix(rest[slash:], "/file/") {
		return "", false
	}
	head := escaped[:len(prefix)+slash+len("/file/")]
	tail := escaped[len(head):]
	if !strings.Contains(tail, "/") {
		return "", false
	}
	return head + strings.ReplaceAll(tail, "/", "%2F"), true
}
