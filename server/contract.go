package server

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skypanel/skypanel/apispec"
)

// Operation is what the middleware needs to know about one operation of the spec: apispec's
// (ID, Method, Path, Route, BodyTypes) plus the panel's rules.
type Operation struct {
	*apispec.Operation
	GinPath   string     // Path with gin's :params
	Public    bool       // security: [] — no bearer token
	Scopes    [][]string // alternatives (OR) of required scope sets (AND)
	WebSocket bool       // x-skypanel-websocket: auth may arrive in the first message
	Streamed  bool       // octet-stream request body: not buffered, not validated
	// AdminFields are the request fields only administrators may set (x-admin-only).
	AdminFields []AdminField
	Paged       bool // takes the page/limit query parameters
	// NoStore: a response declares a Cache-Control header (it carries a secret); every
	// response of the operation gets Cache-Control: no-store.
	NoStore bool
	// OnServer: the operation names a server (a serverId path parameter); Suspended is what
	// it allows on a suspended server (x-suspended, suspend.go).
	OnServer  bool
	Suspended SuspendedMode
	// NoRateLimit: no rate limit counts the operation (x-skypanel-no-rate-limit: the health probes).
	NoRateLimit bool
}

// Contract is the loaded openapi.yaml (an apispec.Spec) with an index from gin route to
// operation and the scope-implication table (x-scope-implies).
type Contract struct {
	Doc       *openapi3.T
	Spec      *apispec.Spec
	ops       map[string]*Operation // key: METHOD + " " + GinPath
	implies   map[string][]string
	allScopes []string
	expanded  sync.Map // strings.Join(granted, " ") → map[string]bool (read-only)
	nExpanded atomic.Int32
}

// maxExpanded bounds the Expand memo (distinct granted scope lists).
const maxExpanded = 4096

// LoadContract parses and validates the spec. A trailing {path} parameter takes the rest of
// the path (the file routes).
func LoadContract(ctx context.Context, data []byte) (*Contract, error) {
	spec, err := apispec.Load(ctx, data, apispec.Options{RestParam: "path"})
	if err != nil {
		return nil, fmt.Errorf("load openapi: %w", err)
	}
	c := &Contract{Doc: spec.Doc, Spec: spec, ops: map[string]*Operation{}, implies: map[string][]string{}}
	if err := c.loadScopes(); err != nil {
		return nil, err
	}
	for _, so := range spec.Operations() {
		item, op := so.Route.PathItem, so.Route.Operation
		o := &Operation{Operation: so, GinPath: ginPath(so.Path)}
		o.Public, o.Scopes = securityOf(spec.Doc, op)
		if v, ok := op.Extensions["x-skypanel-websocket"].(bool); ok && v {
			o.WebSocket = true
		}
		o.NoStore = declaresCacheControl(op)
		o.NoRateLimit, _ = op.Extensions["x-skypanel-no-rate-limit"].(bool)
		o.Streamed = so.AcceptsBody(apispec.MediaOctetStream)
		o.Paged = op.Parameters.GetByInAndName(openapi3.ParameterInQuery, "page") != nil ||
			item.Parameters.GetByInAndName(openapi3.ParameterInQuery, "page") != nil
		if o.AdminFields, err = adminFieldsOf(item, op); err != nil {
			return nil, fmt.Errorf("%s: %w", op.OperationID, err)
		}
		if o.Suspended, o.OnServer, err = suspendedModeOf(item, op); err != nil {
			return nil, fmt.Errorf("%s: %w", op.OperationID, err)
		}
		c.ops[so.Method+" "+o.GinPath] = o
	}
	return c, nil
}

func (c *Contract) loadScopes() error {
	if ss, ok := c.Doc.Components.SecuritySchemes["oauth2"]; ok && ss.Value != nil && ss.Value.Flows != nil &&
		ss.Value.Flows.ClientCredentials != nil {
		for s := range ss.Value.Flows.ClientCredentials.Scopes {
			c.allScopes = append(c.allScopes, s)
		}
		sort.Strings(c.allScopes)
	}
	raw, ok := c.Doc.Extensions["x-scope-implies"].(map[string]any)
	if !ok {
		return nil
	}
	for k, v := range raw {
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("x-scope-implies.%s: want a list", k)
		}
		for _, s := range list {
			str, ok := s.(string)
			if !ok {
				return fmt.Errorf("x-scope-implies.%s: want strings", k)
			}
			c.implies[k] = append(c.implies[k], str)
		}
	}
	return nil
}

// securityOf reads an operation's security (falling back to the document's).
func securityOf(doc *openapi3.T, op *openapi3.Operation) (public bool, scopes [][]string) {
	reqs := doc.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	if len(reqs) == 0 {
		return true, nil
	}
	for _, r := range reqs {
		if len(r) == 0 {
			return true, nil // an empty requirement makes auth optional
		}
		set := append([]string{}, r["oauth2"]...)
		scopes = append(scopes, set)
	}
	return false, scopes
}

// ginPath turns /a/{b}/c into /a/:b/c.
func ginPath(p string) string {
	var b strings.Builder
	for _, seg := range strings.Split(p, "/") {
		if b.Len() > 0 || seg != "" {
			b.WriteByte('/')
		}
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			b.WriteString(":" + seg[1:len(seg)-1])
		} else {
			b.WriteString(seg)
		}
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// Lookup returns the operation gin matched, or nil.
func (c *Contract) Lookup(method, ginFullPath string) *Operation {
	return c.ops[method+" "+ginFullPath]
}

// Operations returns every operation, sorted by path and method (for tests and docs).
func (c *Contract) Operations() []*Operation {
	out := make([]*Operation, 0, len(c.ops))
	for _, o := range c.ops {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// AllScopes is the catalogue of the oauth2 security scheme.
func (c *Contract) AllScopes() []string { return c.allScopes }

// Expand returns the effective scope set of a granted list: each scope plus what it implies
// (x-scope-implies; "*" means every scope of the catalogue). The result is memoised and shared:
// callers must not modify it.
func (c *Contract) Expand(granted []string) map[string]bool {
	key := strings.Join(granted, " ")
	if m, ok := c.expanded.Load(key); ok {
		return m.(map[string]bool)
	}
	out := c.expand(granted)
	if c.nExpanded.Add(1) <= maxExpanded {
		c.expanded.Store(key, out)
	}
	return out
}

func (c *Contract) expand(granted []string) map[string]bool {
	out := make(map[string]bool, len(granted))
	var add func(s string)
	add = func(s string) {
		if out[s] {
			return
		}
		out[s] = true
		for _, i := range c.implies[s] {
			if i == "*" {
				for _, all := range c.allScopes {
					out[all] = true
				}
				continue
			}
			add(i)
		}
	}
	for _, s := range granted {
		add(s)
	}
	return out
}

// Allowed reports whether an effective scope set satisfies the operation; when it does not it
// returns the first alternative's scopes (for the error's metadata).
func (o *Operation) Allowed(effective map[string]bool) (bool, []string) {
	if o.Public || len(o.Scopes) == 0 {
		return true, nil
	}
	for _, alt := range o.Scopes {
		ok := true
		for _, s := range alt {
			if !effective[s] {
				ok = false
				break
			}
		}
		if ok {
			return true, nil
		}
	}
	return false, o.Scopes[0]
}

// declaresCacheControl reports whether a response of op declares a Cache-Control header.
func declaresCacheControl(op *openapi3.Operation) bool {
	if op.Responses == nil {
		return false
	}
	for _, r := range op.Responses.Map() {
		if r.Value == nil {
			continue
		}
		for name := range r.Value.Headers {
			if strings.EqualFold(name, "Cache-Control") {
				return true
			}
		}
	}
	return false
}
