package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
)

// Values of the x-admin-only extension (see the spec's "Who may set what").
const (
	// AdminOnly: only administrators set the field (`x-admin-only: true`).
	AdminOnly = "true"
	// AdminOnlyExceptSelf: administrators, or a caller setting its own user id.
	AdminOnlyExceptSelf = "except-self"
	// AdminOnlyQuota: administrators, or a tenant within its quota (the handler checks amounts).
	AdminOnlyQuota = "quota"
)

// extAdminOnly is the extension's name.
const extAdminOnly = "x-admin-only"

// maxAdminDepth bounds the schema walk (recursive schemas).
const maxAdminDepth = 12

// AdminField is a request field of an operation that only administrators may set.
type AdminField struct {
	Path    []string // JSON path in the body, or the parameter's name for a query parameter
	Query   bool     // a query parameter
	Mode    string   // AdminOnly, AdminOnlyExceptSelf or AdminOnlyQuota
	Default string   // query parameter: its default value (sending it is allowed); "" = none
}

// Name is the dotted path of the field, as metadata.field names it.
func (f AdminField) Name() string { return strings.Join(f.Path, ".") }

// adminFieldsOf collects an operation's x-admin-only query parameters and JSON body
// properties (following $ref, allOf and nested objects), sorted by path.
func adminFieldsOf(item *openapi3.PathItem, op *openapi3.Operation) ([]AdminField, error) {
	var out []AdminField
	params := append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...)
	for _, p := range params {
		if p.Value == nil || p.Value.In != openapi3.ParameterInQuery {
			continue
		}
		mode, err := adminMode(p.Value.Extensions)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", p.Value.Name, err)
		}
		if mode == "" {
			continue
		}
		f := AdminField{Path: []string{p.Value.Name}, Query: true, Mode: mode}
		if s := p.Value.Schema; s != nil && s.Value != nil && s.Value.Default != nil {
			f.Default = fmt.Sprint(s.Value.Default)
		}
		out = append(out, f)
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		if mt := rb.Value.Content.Get("application/json"); mt != nil {
			if err := walkAdmin(mt.Schema, nil, &out, 0); err != nil {
				return nil, err
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// walkAdmin records the marked properties below ref.
func walkAdmin(ref *openapi3.SchemaRef, path []string, out *[]AdminField, depth int) error {
	if ref == nil || ref.Value == nil || depth > maxAdminDepth {
		return nil
	}
	for _, sub := range ref.Value.AllOf {
		if err := walkAdmin(sub, path, out, depth+1); err != nil {
			return err
		}
	}
	for name, prop := range ref.Value.Properties {
		p := append(append([]string{}, path...), name)
		mode, err := adminMode(prop.Extensions)
		if err == nil && mode == "" && prop.Value != nil {
			mode, err = adminMode(prop.Value.Extensions)
		}
		if err != nil {
			return fmt.Errorf("property %s: %w", strings.Join(p, "."), err)
		}
		if mode != "" {
			*out = append(*out, AdminField{Path: p, Mode: mode})
		}
		if err := walkAdmin(prop, p, out, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// adminMode reads x-admin-only: "" when absent, an error for an unknown value.
func adminMode(ext map[string]any) (string, error) {
	v, ok := ext[extAdminOnly]
	if !ok {
		return "", nil
	}
	switch x := v.(type) {
	case bool:
		if x {
			return AdminOnly, nil
		}
		return "", nil
	case string:
		if x == AdminOnlyExceptSelf || x == AdminOnlyQuota {
			return x, nil
		}
	}
	return "", fmt.Errorf("%w: %s: %v", ErrBadExtension, extAdminOnly, v)
}

// checkAdminOnly refuses a non-admin request that sets a field the operation marks
// x-admin-only. It runs after validation: the body is valid JSON of the operation's schema.
func (a *App) checkAdminOnly(c *gin.Context, op *Operation) error {
	p := PrincipalFrom(c.Request.Context())
	if p == nil || p.Admin || len(op.AdminFields) == 0 {
		return nil
	}
	var body any
	bodyRead := false
	for _, f := range op.AdminFields {
		if f.Query {
			vals, ok := c.Request.URL.Query()[f.Path[0]]
			if ok && !(len(vals) == 1 && f.Default != "" && vals[0] == f.Default) {
				return adminFieldDenied(f.Name())
			}
			continue
		}
		if !bodyRead {
			bodyRead = true
			var err error
			if body, err = rereadJSON(c.Request); err != nil {
				return err
			}
		}
		v, ok := lookupJSON(body, f.Path)
		if !ok || allowedFor(f, v, p) {
			continue
		}
		return adminFieldDenied(firstLeaf(f.Name(), v))
	}
	return nil
}

// allowedFor reports whether a non-admin may send v for f.
func allowedFor(f AdminField, v any, p *Principal) bool {
	switch f.Mode {
	case AdminOnlyQuota:
		return true // the handler checks the amounts against the user's quota
	case AdminOnlyExceptSelf:
		n, ok := v.(json.Number)
		return ok && n.String() == fmt.Sprint(p.UserID)
	}
	return false
}

func adminFieldDenied(field string) *APIError {
	return newAPIError(http.StatusForbidden, CodePermissionDenied,
		fmt.Sprintf("only administrators may set %s", field),
		map[string]any{"field": field, "scopes": []string{"admin"}})
}

// rereadJSON decodes the (already validated and buffered) JSON body and puts it back.
func rereadJSON(r *http.Request) (any, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(raw))
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, validationError(err)
	}
	return v, nil
}

// lookupJSON finds the value at path; ok is false when a segment is absent.
func lookupJSON(v any, path []string) (any, bool) {
	for _, seg := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[seg]; !ok {
			return nil, false
		}
	}
	return v, true
}

// firstLeaf names the first (by name) leaf set inside an object value, so metadata.field
// says e.g. server.data.memory rather than server.data.
func firstLeaf(name string, v any) string {
	for {
		m, ok := v.(map[string]any)
		if !ok || len(m) == 0 {
			return name
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		name, v = name+"."+keys[0], m[keys[0]]
	}
}
