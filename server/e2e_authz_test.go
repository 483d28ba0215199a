package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/oauth"
)

// TestAuthzMatrix is generated from the spec: every non-public operation, with path
// parameters from the spec's examples (a real server id for server-scoped routes) and the
// spec's request-body example, is called
//   - without a token: 401 ErrUnauthorized;
//   - with a token holding every scope except those that satisfy the operation (directly or
//     through x-scope-implies): 403 ErrPermissionDenied naming the required scopes;
//   - with a token holding exactly the required scopes, by a non-admin who does not own the
//     server: past the scope check; on server-scoped routes 404 ErrServerNotFound or 403
//     (an operation still answering 501 must answer the ErrNotImplemented envelope);
//   - for every x-admin-only field, by the non-admin owner: 403 naming the field, nothing
//     stored changes (adminFieldCases).
//
// New operations are covered automatically.
func TestAuthzMatrix(t *testing.T) {
	env := apitest.Start(t)
	c := env.App.Contract()
	userScopes := grantable(c.AllScopes())
	ownerID := env.NewUser(t, "owner", false, userScopes)
	intruderID := env.NewUser(t, "intruder", false, userScopes)
	otherAdminID := env.NewUser(t, "otheradmin", true, []string{"admin"})
	serverID := env.NewServerRow(t, ownerID, env.LocalNode.ID, "owned by owner")
	override := map[string]string{"serverId": serverID}

	ops := c.Operations()
	if len(ops) < 50 {
		t.Fatalf("only %d operations in the contract", len(ops))
	}
	for _, op := range ops {
		if op.Public {
			continue
		}
		t.Run(op.ID, func(t *testing.T) {
			path := fillPath(t, op, override)
			body := exampleBody(t, op)
			t.Run("no token", func(t *testing.T) {
				if op.WebSocket {
					// The upgrade may arrive without a token: the socket authenticates with its
					// first message (x-skypanel-websocket), so no 401 is due here.
					t.Skip("WebSocket upgrade authenticates in its first message")
				}
				r := env.Do(t, op.Method, path, "", bytes.NewReader(body), jsonHeader(body))
				r.ExpectError(t, http.StatusUnauthorized, server.CodeUnauthorized)
			})
			t.Run("lacking scope", func(t *testing.T) {
				required := flatten(op.Scopes)
				if len(required) == 0 {
					t.Skip("security [{oauth2: []}]: any valid token")
				}
				granted := lacking(c, userScopes, required)
				id, secret := env.NewClient(t, intruderID, granted...)
				r := env.Do(t, op.Method, path, env.Token(t, id, secret), bytes.NewReader(body), jsonHeader(body))
				d := r.ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
				got := metadataScopes(t, d.Metadata)
				if !sameSet(got, op.Scopes[0]) {
					t.Errorf("metadata.scopes = %v, want %v", got, op.Scopes[0])
				}
			})
			t.Run("scope granted, not the owner", func(t *testing.T) {
				if len(op.Scopes) > 0 && len(op.Scopes[0]) == 0 {
					return // any token: covered by the resource tests
				}
				var granted []string
				if len(op.Scopes) > 0 {
					granted = op.Scopes[0]
				}
				var id, secret string
				switch {
				case slices.Contains(granted, oauth.ScopeNode):
					// only a node's deployment client holds node
					id, secret = deploymentClient(t, env)
				case slices.Contains(granted, oauth.ScopeAdmin):
					// only an administrator's client may hold admin
					id, secret = env.NewClient(t, otherAdminID, granted...)
				default:
					id, secret = env.NewClient(t, intruderID, granted...)
				}
				r := env.Do(t, op.Method, path, env.Token(t, id, secret), bytes.NewReader(body), handshake(op, jsonHeader(body)))
				checkGranted(t, op, r)
			})
			if len(op.AdminFields) > 0 { // e2e_authz_fields_test.go
				t.Run("admin-only fields", func(t *testing.T) { adminFieldCases(t, env, op, ownerID, serverID) })
			}
		})
	}
}

// checkGranted: past the scope check; on another user's server, not found or forbidden.
func checkGranted(t *testing.T, op *server.Operation, r *apitest.Response) {
	t.Helper()
	if r.Status == http.StatusNotImplemented {
		r.ExpectError(t, http.StatusNotImplemented, server.CodeNotImplemented)
		t.Skipf("%s still answers 501 ErrNotImplemented", op.ID)
	}
	if r.Status == http.StatusUnauthorized {
		t.Fatalf("401 with a valid token: %s", r.Body)
	}
	if r.Status >= 500 && r.Status != http.StatusServiceUnavailable {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if r.Status == http.StatusForbidden {
		d := r.Error(t)
		if got := metadataScopes(t, d.Metadata); sameSet(got, op.Scopes[0]) {
			t.Fatalf("refused by the scope check although the token holds %v", op.Scopes[0])
		}
	}
	if !serverScoped(op) || slices.Contains(flatten(op.Scopes), oauth.ScopeAdmin) {
		return // administrators act on every server: no ownership to check
	}
	switch r.Status {
	case http.StatusNotFound:
		r.ExpectError(t, http.StatusNotFound, server.CodeServerNotFound)
	case http.StatusForbidden:
		r.ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	default:
		t.Fatalf("another user's server: status %d, want 404 ErrServerNotFound or 403; body %s", r.Status, r.Body)
	}
}

// serverScoped: the operation acts on the existing server named by {serverId}. An operation
// whose path ends with {serverId} and that declares 201 creates that server instead.
func serverScoped(op *server.Operation) bool {
	if !strings.Contains(op.Path, "{serverId}") {
		return false
	}
	creates := op.Route.Operation.Responses.Value("201") != nil
	return !(strings.HasSuffix(op.Path, "{serverId}") && creates)
}

// fillPath replaces the path parameters with override values or the spec's examples.
func fillPath(t *testing.T, op *server.Operation, override map[string]string) string {
	t.Helper()
	params := append(openapi3.Parameters{}, op.Route.PathItem.Parameters...)
	params = append(params, op.Route.Operation.Parameters...)
	path := op.Path
	for _, p := range params {
		v := p.Value
		if v.In != openapi3.ParameterInPath {
			continue
		}
		val, ok := override[v.Name]
		if !ok {
			val = exampleString(v)
		}
		if val == "" {
			t.Fatalf("path parameter %s of %s has no example", v.Name, op.ID)
		}
		path = strings.ReplaceAll(path, "{"+v.Name+"}", url.PathEscape(val))
	}
	if strings.Contains(path, "{") {
		t.Fatalf("unfilled path %s", path)
	}
	return path
}

func exampleString(p *openapi3.Parameter) string {
	ex := p.Example
	if ex == nil && p.Schema != nil && p.Schema.Value != nil {
		ex = p.Schema.Value.Example
	}
	if ex == nil {
		return ""
	}
	return fmt.Sprint(ex)
}

// exampleBody is the JSON request-body example of the operation (nil when it takes none).
func exampleBody(t *testing.T, op *server.Operation) []byte {
	t.Helper()
	rb := op.Route.Operation.RequestBody
	if rb == nil || rb.Value == nil {
		return nil
	}
	mt := rb.Value.Content.Get("application/json")
	if mt == nil {
		return nil
	}
	ex := mt.Example
	if ex == nil {
		for _, e := range mt.Examples {
			ex = e.Value.Value
			break
		}
	}
	if ex == nil && mt.Schema != nil && mt.Schema.Value != nil {
		ex = mt.Schema.Value.Example
	}
	if ex == nil {
		t.Fatalf("%s: JSON request body without an example", op.ID)
	}
	ex = loopbackOnly(ex)
	b, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loopbackOnly rewrites the "host" of an example body (database hosts) and the hosts and private
// port of a node to a refused loopback port: tests send traffic to this machine only (the spec's
// examples name LAN addresses).
func loopbackOnly(ex any) any {
	m, ok := ex.(map[string]any)
	if !ok {
		return ex
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	if _, ok := out["host"]; ok {
		out["host"], out["port"] = "127.0.0.1", 1
	}
	for _, k := range []string{"privateHost", "publicHost"} { // nodes: the registry dials privateHost
		if _, ok := out[k]; ok {
			out[k] = "127.0.0.1"
		}
	}
	if _, ok := out["privatePort"]; ok {
		out["privatePort"] = 1
	}
	return out
}

func jsonHeader(body []byte) http.Header {
	if body == nil {
		return nil
	}
	return http.Header{"Content-Type": {"application/json"}}
}

// handshake adds the WebSocket handshake headers the spec requires on an upgrade operation, so
// the request reaches the ownership check (a request without them is a 400 by the spec).
func handshake(op *server.Operation, h http.Header) http.Header {
	if !op.WebSocket {
		return h
	}
	if h == nil {
		h = http.Header{}
	}
	h.Set("Upgrade", "websocket")
	h.Set("Connection", "Upgrade")
	h.Set("Sec-WebSocket-Version", "13")
	h.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	return h
}

// lacking returns the scopes of all that neither are a required scope nor imply one.
func lacking(c *server.Contract, all, required []string) []string {
	var out []string
	for _, s := range all {
		eff := c.Expand([]string{s})
		if !slices.ContainsFunc(required, func(r string) bool { return eff[r] }) {
			out = append(out, s)
		}
	}
	return out
}

// grantable drops the scopes a non-admin user's client cannot hold: admin (administrators
// only) and node (deployment clients only).
func grantable(all []string) []string {
	return slices.DeleteFunc(slices.Clone(all), func(s string) bool { return s == oauth.ScopeAdmin || s == oauth.ScopeNode })
}

func flatten(alts [][]string) []string {
	var out []string
	for _, a := range alts {
		out = append(out, a...)
	}
	return out
}

func metadataScopes(t *testing.T, md *map[string]any) []string {
	t.Helper()
	if md == nil {
		t.Fatal("no metadata")
	}
	raw, ok := (*md)["scopes"].([]any)
	if !ok {
		t.Fatalf("metadata.scopes missing: %v", *md)
	}
	out := make([]string, 0, len(raw))
	for _, s := range raw {
		out = append(out, fmt.Sprint(s))
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

// deploymentClient returns fresh deployment credentials of the local node.
func deploymentClient(t *testing.T, env *apitest.Env) (id, secret string) {
	t.Helper()
	id, secret, err := env.OAuth.CreateNodeClient(context.Background(), env.LocalNode.ID)
	if err != nil {
		t.Fatal(err)
	}
	return id, secret
}
