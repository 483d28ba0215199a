// Package apitest holds test helpers shared by the integration tests: an http.RoundTripper that
// validates every response against openapi.yaml, so the spec and the code cannot drift.
package apitest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	skypanel "github.com/skypanel/skypanel"
	"github.com/skypanel/skypanel/apispec"
)

// Contract returns openapi.yaml loaded by apispec (a trailing {path} takes the rest of the path).
var Contract = sync.OnceValues(func() (*apispec.Spec, error) {
	return apispec.Load(context.Background(), skypanel.OpenAPI, apispec.Options{RestParam: "path"})
})

// Spec returns the parsed, validated openapi.yaml.
func Spec() (*openapi3.T, error) {
	s, err := Contract()
	if err != nil {
		return nil, err
	}
	return s.Doc, nil
}

// FindRoute matches a request path against the spec's path templates. A trailing `{path}`
// parameter takes the rest of the path, slashes included (the file routes).
func FindRoute(method, escapedPath string) (*routers.Route, map[string]string, error) {
	s, err := Contract()
	if err != nil {
		return nil, nil, err
	}
	op, params, err := s.Match(method, escapedPath)
	if err != nil {
		return nil, nil, err
	}
	return op.Route, params, nil
}

// maxRequestCopy bounds the copy of a request body kept to re-validate the response.
const maxRequestCopy = 1 << 20

// Transport validates each response against the spec (apispec.Transport.Check) and fails the
// test on any mismatch, including status codes the operation does not declare and a missing
// X-API-Version. Requests to unknown routes must get a 404 or 405 envelope.
type Transport struct {
	T     testing.TB
	Base  http.RoundTripper
	check *apispec.Transport
}

// NewTransport wraps base (nil = http.DefaultTransport).
func NewTransport(t testing.TB, base http.RoundTripper) *Transport {
	if base == nil {
		base = http.DefaultTransport
	}
	s, err := Contract()
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	return &Transport{T: t, Base: base, check: apispec.NewTransport(s, nil, nil)}
}

// Seen returns how many responses of each operation were validated.
func (tr *Transport) Seen() map[string]int { return tr.check.Seen() }

// RoundTrip performs the request and validates the response.
func (tr *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(io.LimitReader(rc, maxRequestCopy))
			rc.Close()
		}
	}
	resp, err := tr.Base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if err := tr.validate(req, reqBody, resp); err != nil {
		tr.T.Errorf("response does not match openapi.yaml: %s %s -> %d: %v", req.Method, req.URL.Path, resp.StatusCode, err)
	}
	return resp, nil
}

// errPanelRule is a response that breaks a rule of the panel beyond the spec's schemas.
var errPanelRule = errors.New("panel response rule")

func (tr *Transport) validate(req *http.Request, reqBody []byte, resp *http.Response) error {
	if got := resp.Header.Get("X-API-Version"); got != "v1" {
		return fmt.Errorf("%w: X-API-Version = %q, want v1", errPanelRule, got)
	}
	if _, _, err := tr.check.Spec.Match(req.Method, req.URL.EscapedPath()); err != nil &&
		resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
		return fmt.Errorf("%w: route not in spec answered %d", errPanelRule, resp.StatusCode)
	}
	return tr.check.Check(req, reqBody, resp)
}
