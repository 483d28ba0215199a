package nodetest

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/skypanel/skypanel/apispec"
)

// checkResponses checks every response h writes against daemon.yaml, whichever client asked:
// buffered bodies whole, streams (files, archives, events) by status and headers.
func checkResponses(t testing.TB, spec *apispec.Spec, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &checkingWriter{ResponseWriter: w}
		defer func() {
			if cw.status == 0 {
				return // the client went away (or a blackhole): nothing was answered
			}
			var body []byte
			if !cw.streamed {
				body = cw.body.Bytes()
			}
			err := spec.CheckResponse(r.Context(), apispec.Response{Request: r, Status: cw.status, Header: w.Header(), Body: body})
			if err != nil {
				t.Errorf("daemon.yaml: %s %s -> %d: %v", r.Method, r.URL.Path, cw.status, err)
			}
		}()
		h.ServeHTTP(cw, r)
	})
}

// checkingWriter records the status and, for buffered answers, the body.
type checkingWriter struct {
	http.ResponseWriter
	status   int
	streamed bool
	body     bytes.Buffer
}

func (c *checkingWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
		c.streamed = apispec.StreamedResponse(status, c.Header())
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *checkingWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	if !c.streamed {
		c.body.Write(p)
	}
	return c.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController flush through (event streams).
func (c *checkingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// Flush passes a flush on (writers that type-assert http.Flusher).
func (c *checkingWriter) Flush() {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(c.ResponseWriter).Flush()
}
