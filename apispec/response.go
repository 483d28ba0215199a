package apispec

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Response is one response to check against the spec. Body is the whole body, or nil when
// the body is a stream (see StreamedResponse) and only status and headers are checked.
type Response struct {
	Request     *http.Request
	RequestBody []byte // the request's body, when it had one (parameters and body are re-read)
	Status      int
	Header      http.Header
	Body        []byte
}

// streamedResponseTypes are response media types whose bodies are streams, never buffered
// by the checker.
var streamedResponseTypes = []string{MediaOctetStream, MediaTar, MediaNDJSON}

// StreamedResponse reports whether a response body is a stream the checker does not read: a
// protocol switch (WebSocket), or a binary or NDJSON media type. Error statuses (≥ 400) are
// never streams.
func StreamedResponse(status int, h http.Header) bool {
	if status == http.StatusSwitchingProtocols {
		return true
	}
	if status >= 400 {
		return false
	}
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && slices.Contains(streamedResponseTypes, mt)
}

// CheckResponse validates a response against the operation of its request: the status must be
// declared (or a default), declared headers must match, and a buffered body must match the
// schema of its media type; a streamed body's media type must be declared. A request that
// matches no operation must have been answered 401, 404 or 405 with a body matching the
// document's Error schema (when it has one; a HEAD answer has no body). Failures wrap
// ErrResponseMismatch.
func (s *Spec) CheckResponse(ctx context.Context, r Response) error {
	op, params, err := s.Match(r.Request.Method, r.Request.URL.EscapedPath())
	if err != nil {
		return s.checkUnknownRoute(r)
	}
	req := r.Request.Clone(ctx)
	req.Body = io.NopCloser(bytes.NewReader(r.RequestBody))
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: op.Route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	if r.Body == nil {
		opts.ExcludeResponseBody = true
		if err := checkStreamType(op.Route, r.Status, r.Header); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrResponseMismatch, op.ID, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.Status,
		Header: r.Header, Body: io.NopCloser(bytes.NewReader(r.Body)), Options: opts}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrResponseMismatch, op.ID, err)
	}
	return nil
}

func checkStreamType(route *routers.Route, status int, h http.Header) error {
	if status == http.StatusSwitchingProtocols {
		return nil
	}
	resp := route.Operation.Responses.Status(status)
	if resp == nil {
		resp = route.Operation.Responses.Default()
	}
	if resp == nil || resp.Value == nil || len(resp.Value.Content) == 0 {
		return nil // the status check reports an undeclared status
	}
	ct := h.Get("Content-Type")
	if resp.Value.Content.Get(ct) == nil {
		return fmt.Errorf("%w: %q", errUndeclaredType, ct)
	}
	return nil
}

func (s *Spec) checkUnknownRoute(r Response) error {
	switch r.Status {
	case http.StatusUnauthorized, http.StatusNotFound, http.StatusMethodNotAllowed:
	default:
		return fmt.Errorf("%w: %s %s matches no operation but answered %d", ErrResponseMismatch,
			r.Request.Method, r.Request.URL.Path, r.Status)
	}
	ref := s.Doc.Components.Schemas["Error"]
	if ref == nil || ref.Value == nil || r.Request.Method == http.MethodHead {
		return nil // a HEAD answer has no body to check
	}
	var v any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		return fmt.Errorf("%w: error body is not JSON: %w", ErrResponseMismatch, err)
	}
	if err := ref.Value.VisitJSON(v); err != nil {
		return fmt.Errorf("%w: error body: %w", ErrResponseMismatch, err)
	}
	return nil
}
