// Package apitest holds test helpers shared by the integration tests: an http.RoundTripper that
// validates every response against openapi.yaml, so the spec and the code cannot drift.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	skypanel "github.com/skypanel/skypanel"
)

var (
	docOnce sync.Once
	doc     *openapi3.T
	docErr  error
)

// Spec returns the parsed, validated openapi.yaml.
func Spec() (*openapi3.T, error) {
	docOnce.Do(func() {
		doc, docErr = openapi3.NewLoader().LoadFromData(skypanel.OpenAPI)
		if docErr == nil {
			docErr = doc.Validate(context.Background())
		}
	})
	return doc, docErr
}

// FindRoute matches a request path against the spec's path templates. A trailing `{path}`
// parameter takes the rest of the path, slashes included (the file routes).
func FindRoute(method, escapedPath string) (*routers.Route, map[string]string, error) {
	d, err := Spec()
	if err != nil {
		return nil, nil, err
	}
	segs := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	var best *routers.Route
	var bestParams map[string]string
	bestScore := -1
	for _, p := range d.Paths.InMatchingOrder() {
		item := d.Paths.Value(p)
		op := item.GetOperation(method)
		if op == nil {
			continue
		}
		params, score, ok := matchTemplate(strings.Split(strings.TrimPrefix(p, "/"), "/"), segs)
		if ok && score > bestScore {
			best = &routers.Route{Spec: d, Path: p, PathItem: item, Method: method, Operation: op}
			bestParams, bestScore = params, score
		}
	}
	if best == nil {
		return nil, nil, fmt.Errorf("no operation for %s %s", method, escapedPath)
	}
	return best, bestParams, nil
}

// matchTemplate returns the decoded params and a score (literal segments count more).
func matchTemplate(tmpl, segs []string) (map[string]string, int, bool) {
	params := map[string]string{}
	score := 0
	for i, t := range tmpl {
		isParam := strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}")
		if isParam && t == "{path}" && i == len(tmpl)-1 {
			if i > len(segs) {
				return nil, 0, false
			}
			rest := ""
			if i < len(segs) {
				rest = strings.Join(segs[i:], "/")
			}
			v, err := url.PathUnescape(rest)
			if err != nil || v == "" { // a required parameter is never empty
				return nil, 0, false
			}
			params["path"] = v
			return params, score, true
		}
		if i >= len(segs) {
			return nil, 0, false
		}
		if isParam {
			v, err := url.PathUnescape(segs[i])
			if err != nil || v == "" {
				return nil, 0, false
			}
			params[t[1:len(t)-1]] = v
			continue
		}
		if t != segs[i] {
			return nil, 0, false
		}
		score += 2
	}
	return params, score, len(tmpl) == len(segs)
}

// Transport validates each response against the spec and fails the test on any mismatch,
// including status codes the operation does not declare. Requests to unknown routes must get
// a 404 envelope (validated against the Error schema).
type Transport struct {
	T    testing.TB
	Base http.RoundTripper
	mu   sync.Mutex
	Seen map[string]int // operationId -> responses validated
}

// NewTransport wraps base (nil = http.DefaultTransport).
func NewTransport(t testing.TB, base http.RoundTripper) *Transport {
	if base == nil {
		base = http.DefaultTransport
	}
	return &Transport{T: t, Base: base, Seen: map[string]int{}}
}

// RoundTrip performs the request and validates the response.
func (tr *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(io.LimitReader(rc, 1<<20))
			rc.Close()
		}
	}
	resp, err := tr.Base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if err := tr.check(req, reqBody, resp); err != nil {
		tr.T.Errorf("response does not match openapi.yaml: %s %s -> %d: %v", req.Method, req.URL.Path, resp.StatusCode, err)
	}
	return resp, nil
}

// Check validates one response (its body is buffered and restored).
func (tr *Transport) check(req *http.Request, reqBody []byte, resp *http.Response) error {
	if got := resp.Header.Get("X-API-Version"); got != "v1" {
		return fmt.Errorf("X-API-Version = %q, want v1", got)
	}
	route, params, err := FindRoute(req.Method, req.URL.EscapedPath())
	if err != nil {
		return checkUnknownRoute(resp)
	}
	tr.mu.Lock()
	tr.Seen[route.Operation.OperationID]++
	tr.mu.Unlock()
	r2 := req.Clone(req.Context())
	r2.Body = io.NopCloser(bytes.NewReader(reqBody))
	in := &openapi3filter.RequestValidationInput{Request: r2, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	var body []byte
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// A WebSocket upgrade: status and headers are checked; the body is the connection.
		opts.ExcludeResponseBody = true
	} else {
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("read body: %w", err)
		}
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/octet-stream") {
		opts.ExcludeResponseBody = true
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
		Header: resp.Header, Body: io.NopCloser(bytes.NewReader(body)), Options: opts}
	return openapi3filter.ValidateResponse(req.Context(), out)
}

func checkUnknownRoute(resp *http.Response) error {
	if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
		return fmt.Errorf("route not in spec answered %d", resp.StatusCode)
	}
	d, err := Spec()
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	ref := d.Components.Schemas["Error"]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("spec has no Error schema")
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("error body is not JSON: %w", err)
	}
	return ref.Value.VisitJSON(v)
}
