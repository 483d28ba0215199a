package server_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/skypanel/skypanel/runtime/fake"
	"github.com/skypanel/skypanel/server"
)

// generatedID is the spec's shape of a generated server id.
var generatedID = regexp.MustCompile(`^[A-Z0-9]{8}$`)

// createBody is an admin's docker create body, plus extra fields.
func createBody(owner int, extra map[string]any) map[string]any {
	b := map[string]any{"name": "ids", "ownerId": owner, "environmentType": "docker", "dockerImage": "busybox",
		"startup": "sleep 1000", "limits": limits(128, 1024, 50)}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

// TestCreateServerIDs covers the documented clients' create forms: PUT /api/servers/ (trailing
// slash) with and without identifier, identifier on the id path, and generated ids' shape.
func TestCreateServerIDs(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	_, owner := n.tenant(t, "owner", "server.view")
	created := func(t *testing.T, method, path string, body map[string]any, want int) string {
		t.Helper()
		r := n.env.DoJSON(t, method, path, n.admin, body)
		if r.Status != want {
			t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
		}
		var c struct{ ID string }
		r.JSON(t, &c)
		if n.row(t, c.ID) == nil {
			t.Fatalf("%s %s: no row for %q", method, path, c.ID)
		}
		return c.ID
	}
	for _, path := range []string{"/api/servers/", "/api/servers"} {
		t.Run("generated id "+path, func(t *testing.T) {
			seen := map[string]bool{}
			for range 3 {
				id := created(t, http.MethodPut, path, createBody(owner, nil), http.StatusCreated)
				if !generatedID.MatchString(id) || seen[id] {
					t.Fatalf("generated id %q: not 8 of [A-Z0-9] or repeated", id)
				}
				seen[id] = true
			}
		})
	}
	t.Run("identifier chooses the id on the trailing slash", func(t *testing.T) {
		body := createBody(owner, map[string]any{"identifier": "DOCS0001"})
		if id := created(t, http.MethodPut, "/api/servers/", body, http.StatusCreated); id != "DOCS0001" {
			t.Fatalf("id %q, want DOCS0001", id)
		}
		if id := created(t, http.MethodPut, "/api/servers/", body, http.StatusOK); id != "DOCS0001" {
			t.Fatalf("retry id %q", id)
		}
	})
	t.Run("identifier equal to the path id", func(t *testing.T) {
		body := createBody(owner, map[string]any{"identifier": "DOCS0002"})
		created(t, http.MethodPut, "/api/servers/DOCS0002", body, http.StatusCreated)
	})
	t.Run("identifier different from the path id", func(t *testing.T) {
		body := createBody(owner, map[string]any{"identifier": "OTHER001"})
		r := n.env.DoJSON(t, http.MethodPut, "/api/servers/DOCS0003", n.admin, body)
		r.ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
		if f := fieldOf(t, r); f != "identifier" {
			t.Errorf("metadata.field = %q, want identifier", f)
		}
		if n.row(t, "DOCS0003") != nil || n.row(t, "OTHER001") != nil {
			t.Error("a row was written for a refused create")
		}
	})
	t.Run("tenant admin-only rules hold on the trailing slash", func(t *testing.T) {
		tok, tenant := n.tenant(t, "tenant", "server.create", "server.view")
		n.setQuota(t, tenant, map[string]any{"servers": 2, "memory": 1024, "disk": 4096, "cpu": 200, "databases": 0, "backups": 0})
		body := map[string]any{"name": "t", "ownerId": tenant, "dockerImage": "evil", "limits": limits(128, 1024, 50)}
		r := n.env.DoJSON(t, http.MethodPut, "/api/servers/", tok, body)
		r.ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
		if f := fieldOf(t, r); f != "dockerImage" {
			t.Errorf("metadata.field = %q, want dockerImage", f)
		}
	})
}

// TestServerIcon: the docs' edit-definition icon is stored and shown, for tenants too.
func TestServerIcon(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	tok, owner := n.tenant(t, "owner", "server.view", "server.definition.edit")
	r := n.env.DoJSON(t, http.MethodPut, "/api/servers/ICON0001", n.admin, createBody(owner, map[string]any{"icon": "a.png"}))
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	icon := func() any {
		var m map[string]any
		n.env.Do(t, http.MethodGet, "/api/servers/ICON0001", tok, nil, nil).JSON(t, &m)
		return m["icon"]
	}
	if got := icon(); got != "a.png" {
		t.Fatalf("icon after create = %v", got)
	}
	r = n.env.DoJSON(t, http.MethodPut, "/api/servers/ICON0001/definition", tok, map[string]any{"icon": "nuevo-icono.png"})
	if r.Status != http.StatusNoContent {
		t.Fatalf("tenant edit icon: %d %s", r.Status, r.Body)
	}
	if got := icon(); got != "nuevo-icono.png" {
		t.Fatalf("icon after edit = %v", got)
	}
	r = n.env.DoJSON(t, http.MethodPut, "/api/servers/ICON0001/definition", tok, map[string]any{"icon": ""})
	if r.Status != http.StatusNoContent || icon() != nil {
		t.Fatalf("clearing the icon: %d %s, icon %v", r.Status, r.Body, icon())
	}
}

// TestDetachTemplate: an administrator's empty template name detaches the server from its
// template (found by the spec fuzzer: it used to store "" and break the server's own shape).
func TestDetachTemplate(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	_, owner := n.tenant(t, "owner", "server.view")
	r := n.env.DoJSON(t, http.MethodPut, "/api/servers/DETACH01", n.admin, createBody(owner, map[string]any{}))
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	r = n.env.DoJSON(t, http.MethodPut, "/api/servers/DETACH01/definition", n.admin, map[string]any{"type": map[string]any{"type": ""}})
	if r.Status != http.StatusNoContent {
		t.Fatalf("detach: %d %s", r.Status, r.Body)
	}
	var m map[string]any
	n.env.Do(t, http.MethodGet, "/api/servers/DETACH01", n.admin, nil, nil).JSON(t, &m)
	if v, ok := m["template"]; ok {
		t.Fatalf("template after detaching = %v", v)
	}
}
