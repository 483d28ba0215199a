package apispec

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// maxCheckedRequestBody bounds the copy of a request body kept to re-validate a response.
const maxCheckedRequestBody = 1 << 20

// Transport is an http.RoundTripper for tests: every response is checked with CheckResponse
// and each mismatch passed to Report (typically t.Errorf). Buffered bodies are read whole and
// restored; streamed bodies (StreamedResponse) are left to the caller unread.
type Transport struct {
	Spec   *Spec
	Base   http.RoundTripper // nil: http.DefaultTransport
	Report func(error)

	mu   sync.Mutex
	seen map[string]int
}

// NewTransport returns a checking transport over base (nil: http.DefaultTransport).
func NewTransport(spec *Spec, base http.RoundTripper, report func(error)) *Transport {
	return &Transport{Spec: spec, Base: base, Report: report}
}

// RoundTrip performs the request and checks the response.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(io.LimitReader(rc, maxCheckedRequestBody))
			rc.Close()
		}
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if err := t.Check(req, reqBody, resp); err != nil && t.Report != nil {
		t.Report(fmt.Errorf("%s %s -> %d: %w", req.Method, req.URL.Path, resp.StatusCode, err))
	}
	return resp, nil
}

// Check checks one response, buffering and restoring a non-streamed body, and counts the
// operation as seen.
func (t *Transport) Check(req *http.Request, reqBody []byte, resp *http.Response) error {
	var body []byte
	if !StreamedResponse(resp.StatusCode, resp.Header) {
		var err error
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("read body: %w", err)
		}
		if body == nil {
			body = []byte{}
		}
	}
	if op, _, err := t.Spec.Match(req.Method, req.URL.EscapedPath()); err == nil {
		t.mu.Lock()
		if t.seen == nil {
			t.seen = map[string]int{}
		}
		t.seen[op.ID]++
		t.mu.Unlock()
	}
	if body != nil && strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		// the schema describes the content, not its transfer form (the caller keeps the gzip)
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err == nil {
			body, err = io.ReadAll(zr)
		}
		if err != nil {
			return fmt.Errorf("%w: gzip body: %w", ErrResponseMismatch, err)
		}
	}
	return t.Spec.CheckResponse(req.Context(), Response{Request: req, RequestBody: reqBody,
		Status: resp.StatusCode, Header: resp.Header, Body: body})
}

// Seen returns how many responses of each operation were checked.
func (t *Transport) Seen() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]int, len(t.seen))
	for k, v := range t.seen {
		out[k] = v
	}
	return out
}
