package nodeapi

import (
	"log/slog"
	"net/http"
	"time"
)

// accessLog writes one line per request to the "access" logger once the response is done:
// method, route (daemon.yaml's path template, never the raw path) and operation id, the
// peer's address, status, duration and response bytes. The panel's token is never logged.
// Streams (events, files, archives) are logged when they end.
func (s *strictServer) accessLog(next http.Handler) http.Handler {
	log := s.opts.Logger.With("component", "access")
	spec, specErr := daemonSpec()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		aw := &accessWriter{ResponseWriter: w}
		next.ServeHTTP(aw, r)
		route, opID := "", ""
		if specErr == nil {
			if op, _, err := spec.Match(r.Method, r.URL.EscapedPath()); err == nil {
				route, opID = op.Path, op.ID
			}
		}
		if aw.status == 0 { // nothing written: net/http answers 200 with an empty body
			aw.status = http.StatusOK
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("route", route), slog.String("operationId", opID),
			slog.String("ip", r.RemoteAddr), slog.Int("status", aw.status),
			slog.Duration("duration", time.Since(start)), slog.Int64("bytes", aw.bytes))
	})
}

// accessWriter records the status and the bytes written; it flushes and unwraps so streams
// and http.ResponseController work through it.
type accessWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (a *accessWriter) WriteHeader(status int) {
	if a.status == 0 && status >= 200 {
		a.status = status
	}
	a.ResponseWriter.WriteHeader(status)
}

func (a *accessWriter) Write(p []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	n, err := a.ResponseWriter.Write(p)
	a.bytes += int64(n)
	return n, err
}

func (a *accessWriter) Flush() {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	if f, ok := a.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (a *accessWriter) Unwrap() http.ResponseWriter { return a.ResponseWriter }
