package server

import (
	"net/http"
	"net/url"
	"strings"
)

// filePathAdapter lets `{path}` of the file routes carry slashes. gin matches one segment per
// parameter, so before routing the tail after /api/servers/{id}/file/ is re-encoded with %2F:
// `file/config/server.properties` (raw slashes, as curl sends) and
// `file/config%2Fserver.properties` (what generated clients send) reach the same handler with
// path "config/server.properties"; `file/` (the root) arrives as "/".
func filePathAdapter(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if raw, ok := encodeFileTail(r.URL.EscapedPath()); ok {
			u := *r.URL
			dec, err := url.PathUnescape(raw)
			if err != nil {
				next.ServeHTTP(w, r) // malformed escapes: let routing answer 404/400
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

// encodeFileTail rewrites /api/servers/X/file/a/b into /api/servers/X/file/a%2Fb.
func encodeFileTail(escaped string) (string, bool) {
	const prefix = "/api/servers/"
	if !strings.HasPrefix(escaped, prefix) {
		return "", false
	}
	rest := escaped[len(prefix):]
	slash := strings.IndexByte(rest, '/')
	if slash <= 0 || !strings.HasPrefix(rest[slash:], "/file/") {
		if slash > 0 && rest[slash:] == "/file" {
			return escaped + "/%2F", true
		}
		return "", false
	}
	head := escaped[:len(prefix)+slash+len("/file/")]
	tail := escaped[len(head):]
	if tail == "" {
		return head + "%2F", true
	}
	if !strings.Contains(tail, "/") {
		return "", false
	}
	return head + strings.ReplaceAll(tail, "/", "%2F"), true
}
