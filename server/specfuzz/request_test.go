package specfuzz

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"pgregory.net/rapid"
)

// Mutation kinds: how a drawn request departs from the spec ("valid" does not).
const (
	mutValid         = "valid"
	mutDropRequired  = "dropRequired"
	mutWrongType     = "wrongType"
	mutOutOfRange    = "outOfRange"
	mutHostileString = "hostileString"
	mutUnknownField  = "unknownField"
	mutBadBody       = "badBody"
	mutContentType   = "oddContentType"
	mutHostileParam  = "hostileParam"
)

var mutations = []string{mutValid, mutValid, mutValid, mutDropRequired, mutWrongType, mutOutOfRange,
	mutHostileString, mutUnknownField, mutBadBody, mutContentType, mutHostileParam}

var oddContentTypes = []string{"", "text/plain", "application/xml", "multipart/form-data; boundary=x",
	"application/json; charset=latin1", "application/x-www-form-urlencoded", "application/octet-stream", "*/*"}

// fuzzRequest is one drawn request, printed in full when a property fails (the shrunk case).
type fuzzRequest struct {
	Method, Path, Query, ContentType, Who, Mutation string
	Body                                            []byte
}

func (r *fuzzRequest) String() string {
	b := r.Body
	if len(b) > 300 {
		b = append(append([]byte{}, b[:300]...), fmt.Sprintf("...(%d bytes)", len(r.Body))...)
	}
	return fmt.Sprintf("%s %s?%s as %s [%s] Content-Type %q body %q", r.Method, r.Path, r.Query, r.Who,
		r.Mutation, r.ContentType, b)
}

// params lists the operation's parameters, path-item ones first.
func params(route *routers.Route) openapi3.Parameters {
	return append(append(openapi3.Parameters{}, route.PathItem.Parameters...), route.Operation.Parameters...)
}

// drawRequest builds a request for route from its schemas, with one mutation.
func drawRequest(t *rapid.T, route *routers.Route, ids map[string][]string) *fuzzRequest {
	mut := rapid.SampledFrom(mutations).Draw(t, "mutation")
	r := &fuzzRequest{Method: route.Method, Mutation: mut}
	path := route.Path
	q := url.Values{}
	for _, pr := range params(route) {
		p := pr.Value
		switch p.In {
		case openapi3.ParameterInPath:
			path = strings.Replace(path, "{"+p.Name+"}", drawPathParam(t, p, ids, mut), 1)
		case openapi3.ParameterInQuery:
			if p.Required || rapid.Bool().Draw(t, "q."+p.Name+"?") {
				q.Set(p.Name, fmt.Sprint(drawParam(t, p, mut)))
			}
		}
	}
	r.Path, r.Query = path, q.Encode()
	if rb := route.Operation.RequestBody; rb != nil && rb.Value != nil {
		drawBody(t, rb.Value, r)
	}
	return r
}

func drawPathParam(t *rapid.T, p *openapi3.Parameter, ids map[string][]string, mut string) string {
	if mut == mutHostileParam && rapid.Bool().Draw(t, p.Name+".hostile") {
		s := hostileString(t, p.Name)
		if len(s) > 5000 {
			s = s[:5000]
		}
		if p.Name == "path" && rapid.Bool().Draw(t, "rawPath") {
			return s // raw traversal segments for the file routes
		}
		return url.PathEscape(s)
	}
	if known := ids[p.Name]; len(known) > 0 && rapid.Bool().Draw(t, p.Name+".known") {
		return url.PathEscape(rapid.SampledFrom(known).Draw(t, p.Name))
	}
	v := fmt.Sprint(genValue(t, p.Schema, p.Name, 0))
	if p.Name == "path" {
		return strings.TrimPrefix(v, "/") // slashes stay separators in the file routes
	}
	return url.PathEscape(v)
}

func drawParam(t *rapid.T, p *openapi3.Parameter, mut string) any {
	switch mut {
	case mutHostileParam, mutHostileString:
		return hostileString(t, p.Name)
	case mutWrongType:
		return wrongType(t, p.Schema, p.Name)
	case mutOutOfRange:
		if p.Schema != nil && p.Schema.Value != nil {
			return outOfRange(t, p.Schema.Value, p.Name)
		}
	}
	return genValue(t, p.Schema, p.Name, 0)
}

// drawBody fills r's body and content type from the request body's first media type.
func drawBody(t *rapid.T, rb *openapi3.RequestBody, r *fuzzRequest) {
	types := sortedKeys(rb.Content)
	if len(types) == 0 {
		return
	}
	ct := rapid.SampledFrom(types).Draw(t, "contentType")
	r.ContentType = ct
	if !rb.Required && rapid.IntRange(0, 9).Draw(t, "noBody") == 0 {
		r.ContentType = ""
		return
	}
	var v any
	if ms := rb.Content[ct]; ms != nil {
		v = genValue(t, ms.Schema, "body", 0)
		if obj, ok := v.(map[string]any); ok && ms.Schema != nil && ms.Schema.Value != nil {
			mutateObject(t, ms.Schema.Value, obj, r.Mutation)
			pinHosts(obj)
		}
	}
	switch {
	case strings.HasPrefix(ct, "application/json"):
		r.Body, _ = json.Marshal(v)
	case ct == "application/x-www-form-urlencoded":
		form := url.Values{}
		if obj, ok := v.(map[string]any); ok {
			for k, x := range obj {
				form.Set(k, fmt.Sprint(x))
			}
		}
		r.Body = []byte(form.Encode())
	default:
		r.Body = rapid.SliceOfN(rapid.Byte(), 0, 256).Draw(t, "bytes")
	}
	switch r.Mutation {
	case mutBadBody:
		r.Body = []byte(rapid.SampledFrom([]string{"", "{", "[]", "null", "\x00", `{"a":}`, "42",
			strings.Repeat("[", 10_000)}).Draw(t, "badBody"))
	case mutContentType:
		r.ContentType = rapid.SampledFrom(oddContentTypes).Draw(t, "oddContentType")
	}
}

// hostFields are body fields the panel dials (database hosts, nodes).
var hostFields = []string{"host", "privateHost", "publicHost"}

// pinHosts points every address the panel would dial at loopback: the fuzzer sends traffic to
// this machine only. Hostile strings stay (they are refused before any dial).
func pinHosts(obj map[string]any) {
	for _, k := range hostFields {
		if v, ok := obj[k].(string); ok && !slices.Contains(hostileStrings, v) {
			obj[k] = "127.0.0.1"
		}
	}
}

// mutateObject applies a body mutation to one top-level property of obj.
func mutateObject(t *rapid.T, s *openapi3.Schema, obj map[string]any, mut string) {
	props := sortedKeys(s.Properties)
	switch mut {
	case mutDropRequired:
		if len(s.Required) > 0 {
			delete(obj, rapid.SampledFrom(s.Required).Draw(t, "drop"))
		}
	case mutUnknownField:
		obj[rapid.SampledFrom([]string{"zzUnknown", "__proto__", "", "ID"}).Draw(t, "unknown")] = 1
	case mutWrongType, mutOutOfRange, mutHostileString:
		if len(props) == 0 {
			return
		}
		name := rapid.SampledFrom(props).Draw(t, "field")
		ps := s.Properties[name]
		switch {
		case mut == mutWrongType:
			obj[name] = wrongType(t, ps, name)
		case mut == mutOutOfRange && ps.Value != nil:
			obj[name] = outOfRange(t, ps.Value, name)
		default:
			obj[name] = hostileString(t, name)
		}
	}
}

// httpRequest turns r into an *http.Request for base with token (may be empty).
func (r *fuzzRequest) httpRequest(ctx context.Context, base, token string) (*http.Request, error) {
	u := base + r.Path
	if r.Query != "" {
		u += "?" + r.Query
	}
	var req *http.Request
	var err error
	if r.Body != nil {
		req, err = http.NewRequestWithContext(ctx, r.Method, u, bytes.NewReader(r.Body))
	} else {
		req, err = http.NewRequestWithContext(ctx, r.Method, u, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", r, err)
	}
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, nil
}

// specValid reports whether the spec accepts r as sent (kin-openapi, the same library the panel
// uses, but here as the independent reading of openapi.yaml).
func specValid(ctx context.Context, req *http.Request, body []byte, route *routers.Route, pathParams map[string]string) bool {
	r2 := req.Clone(ctx)
	r2.Body = http.NoBody
	if body != nil {
		r2.Body = ioNopCloser(body)
	}
	in := &openapi3filter.RequestValidationInput{Request: r2, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	return openapi3filter.ValidateRequest(ctx, in) == nil
}
