package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skypanel/skypanel/ent/server"
	srv "github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/oauth"
)

// adminFieldCases is the matrix's field dimension, generated from the spec's x-admin-only
// marks: for every admin-only field of op, the owner of the server (a non-admin whose token
// holds the operation's scopes, acting on its own server or account) sends a request that is
// valid and allowed apart from that one field. Each gets 403 ErrPermissionDenied with
// metadata.field naming the field (a quota field: the owner has no quota, metadata.field
// "quota"), and what is stored (the server and the user as the admin reads them over the API
// and as the database holds them, and the number of servers) is unchanged.
func adminFieldCases(t *testing.T, env *apitest.Env, op *srv.Operation, ownerID int, serverID string) {
	var scopes []string
	if len(op.Scopes) > 0 {
		scopes = op.Scopes[0]
	}
	if slices.Contains(scopes, oauth.ScopeAdmin) || slices.Contains(scopes, oauth.ScopeNode) {
		t.Skip("only administrators (or nodes) hold this operation's scope")
	}
	id, secret := env.NewClient(t, ownerID, scopes...)
	token := env.Token(t, id, secret)
	admin := env.AdminToken(t)
	override := map[string]string{"serverId": serverID}
	if strings.HasPrefix(op.Path, "/api/users/") {
		override["id"] = strconv.Itoa(ownerID)
	}
	base := baseBody(t, op, ownerID)
	for i, f := range op.AdminFields {
		t.Run(f.Name(), func(t *testing.T) {
			if strings.Contains(op.Path, "{serverId}") && !serverScoped(op) {
				override["serverId"] = fmt.Sprintf("AF%s%d", op.ID[:3], i) // a create: a new id
			}
			path, body := fillPath(t, op, override), []byte(nil)
			if f.Query {
				path += "?" + f.Path[0] + "=" + nonDefault(f)
			} else {
				body = withField(t, op, base, f, env.AdminID)
			}
			before := stored(t, env, admin, serverID, ownerID)
			r := env.Do(t, op.Method, path, token, bytes.NewReader(body), jsonHeader(body))
			d := r.ExpectError(t, http.StatusForbidden, srv.CodePermissionDenied)
			got, _ := (*d.Metadata)["field"].(string)
			want := f.Name()
			if f.Mode == srv.AdminOnlyQuota {
				want = "quota"
			}
			if got != want && !strings.HasPrefix(got, want+".") {
				t.Errorf("metadata.field = %q, want %q; body %s", got, want, body)
			}
			if after := stored(t, env, admin, serverID, ownerID); after != before {
				t.Errorf("stored state changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// baseBody is the operation's example body without its admin-only fields (an except-self
// field set to the caller), as a JSON object; nil for an operation without a JSON body.
func baseBody(t *testing.T, op *srv.Operation, self int) map[string]any {
	raw := exampleBody(t, op)
	if raw == nil {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: example is not an object: %v", op.ID, err)
	}
	for _, f := range op.AdminFields {
		if f.Query {
			continue
		}
		if f.Mode == srv.AdminOnlyExceptSelf {
			setPath(m, f.Path, self)
			continue
		}
		deletePath(m, f.Path)
	}
	return m
}

// withField returns base with f set: the spec's example value (from the operation's example,
// else from the field's schema); an except-self field gets another user's id.
func withField(t *testing.T, op *srv.Operation, base map[string]any, f srv.AdminField, other int) []byte {
	var body map[string]any
	raw, _ := json.Marshal(base)
	_ = json.Unmarshal(raw, &body)
	if body == nil {
		body = map[string]any{}
	}
	var example map[string]any
	_ = json.Unmarshal(exampleBody(t, op), &example)
	v, ok := lookup(example, f.Path)
	if !ok || v == nil {
		v = sample(t, schemaAt(t, op, f.Path))
	}
	if f.Mode == srv.AdminOnlyExceptSelf {
		v = other
	}
	setPath(body, f.Path, v)
	out, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// stored is what the admin reads of the server and the owner over the API, plus their
// database rows and the number of servers.
func stored(t *testing.T, env *apitest.Env, admin, serverID string, ownerID int) string {
	ctx := context.Background()
	db := env.Store.Client
	s, err := db.Server.Get(ctx, serverID)
	if err != nil {
		t.Fatalf("server row: %v", err)
	}
	u, err := db.User.Get(ctx, ownerID)
	if err != nil {
		t.Fatalf("user row: %v", err)
	}
	n, err := db.Server.Query().Where(server.OwnerIDNEQ(0)).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := json.Marshal([]any{s, u, u.Scopes, u.Admin, n})
	get := func(path string) string { return string(env.Do(t, http.MethodGet, path, admin, nil, nil).Body) }
	return string(rows) + get("/api/servers/"+serverID) + get(fmt.Sprintf("/api/users/%d", ownerID))
}

// nonDefault is a value of a query parameter other than its default.
func nonDefault(f srv.AdminField) string {
	if f.Default == "false" {
		return "true"
	}
	return "false"
}

// schemaAt finds the schema of the body property at path.
func schemaAt(t *testing.T, op *srv.Operation, path []string) *openapi3.Schema {
	s := op.Route.Operation.RequestBody.Value.Content.Get("application/json").Schema.Value
	for _, seg := range path {
		p := s.Properties[seg]
		for _, sub := range s.AllOf {
			if p == nil && sub.Value != nil {
				p = sub.Value.Properties[seg]
			}
		}
		if p == nil || p.Value == nil {
			t.Fatalf("%s: no schema for %s", op.ID, strings.Join(path, "."))
		}
		s = p.Value
	}
	return s
}

// sample is a valid value of s: its example, else built from its type (objects from their
// required properties and those with examples).
func sample(t *testing.T, s *openapi3.Schema) any {
	if s.Example != nil {
		return s.Example
	}
	switch {
	case s.Type.Is(openapi3.TypeBoolean):
		return true
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		if s.Min != nil && *s.Min > 1 {
			return *s.Min
		}
		return 1
	case s.Type.Is(openapi3.TypeString):
		return "x"
	case s.Type.Is(openapi3.TypeObject):
		out := map[string]any{}
		for name, p := range s.Properties {
			if p.Value != nil && (slices.Contains(s.Required, name) || p.Value.Example != nil) {
				out[name] = sample(t, p.Value)
			}
		}
		return out
	}
	t.Fatalf("no sample value for a schema of type %v", s.Type)
	return nil
}

func lookup(m map[string]any, path []string) (any, bool) {
	var v any = m
	for _, seg := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[seg]; !ok {
			return nil, false
		}
	}
	return v, true
}

func setPath(m map[string]any, path []string, v any) {
	for _, seg := range path[:len(path)-1] {
		next, ok := m[seg].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[seg] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

func deletePath(m map[string]any, path []string) {
	for _, seg := range path[:len(path)-1] {
		next, ok := m[seg].(map[string]any)
		if !ok {
			return
		}
		m = next
	}
	delete(m, path[len(path)-1])
}
