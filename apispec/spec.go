package apispec

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// Options configure Load.
type Options struct {
	// RestParam names a path parameter that, as the last segment of a path template, takes
	// the rest of the path, slashes included (the panel's file routes: {path}). Empty: none.
	RestParam string
}

// Spec is a loaded, validated OpenAPI document with its operations indexed for routing. It
// implements kin-openapi's routers.Router, so openapi3filter can use it directly.
type Spec struct {
	Doc  *openapi3.T
	ops  []*Operation
	byID map[string]*Operation
}

// Operation is one operation of the document.
type Operation struct {
	ID     string
	Method string
	Path   string // the template, e.g. /v1/servers/{id}
	Route  *routers.Route
	// BodyTypes are the media types the requestBody declares (lower case, sorted); empty
	// when the operation takes no body.
	BodyTypes []string
	segs      []string // Path split at "/"
	rest      bool     // the last segment is the RestParam
}

var _ routers.Router = (*Spec)(nil)

// Load parses and validates an OpenAPI 3 document (YAML or JSON).
func Load(ctx context.Context, data []byte, opts Options) (*Spec, error) {
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("%w: load: %w", ErrInvalidSpec, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("%w: validate: %w", ErrInvalidSpec, err)
	}
	s := &Spec{Doc: doc, byID: map[string]*Operation{}}
	for _, p := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(p)
		for method, op := range item.Operations() {
			o := &Operation{ID: op.OperationID, Method: method, Path: p,
				Route:     &routers.Route{Spec: doc, Path: p, PathItem: item, Method: method, Operation: op},
				BodyTypes: bodyTypes(op), segs: strings.Split(strings.TrimPrefix(p, "/"), "/")}
			o.rest = opts.RestParam != "" && o.segs[len(o.segs)-1] == "{"+opts.RestParam+"}"
			s.ops = append(s.ops, o)
			if o.ID != "" {
				s.byID[o.ID] = o
			}
		}
	}
	sort.Slice(s.ops, func(i, j int) bool {
		if s.ops[i].Path != s.ops[j].Path {
			return s.ops[i].Path < s.ops[j].Path
		}
		return s.ops[i].Method < s.ops[j].Method
	})
	return s, nil
}

// Operations returns every operation, sorted by path and method.
func (s *Spec) Operations() []*Operation { return s.ops }

// Operation returns the operation with the id, or nil.
func (s *Spec) Operation(id string) *Operation { return s.byID[id] }

// AcceptsBody reports whether the operation declares the media type (lower case, no parameters).
func (o *Operation) AcceptsBody(mediaType string) bool {
	i := sort.SearchStrings(o.BodyTypes, mediaType)
	return i < len(o.BodyTypes) && o.BodyTypes[i] == mediaType
}

// bodyTypes lists the media types of an operation's request body, sorted.
func bodyTypes(op *openapi3.Operation) []string {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	out := make([]string, 0, len(op.RequestBody.Value.Content))
	for mt := range op.RequestBody.Value.Content {
		out = append(out, strings.ToLower(mt))
	}
	sort.Strings(out)
	return out
}
