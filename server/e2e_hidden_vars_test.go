package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/runtime/fake"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// hushTemplate has a hidden variable (apikey, used only in a config file, so it would be
// user-editable if it were not hidden) next to visible ones.
func hushTemplate(apikeyPattern, apikeyDefault string) map[string]any {
	return map[string]any{
		"name": "hush", "display": "Hush", "type": "generic", "supportedVersions": []string{},
		"environments": []string{"docker"}, "image": "busybox", "install": []map[string]any{},
		"run": map[string]any{"command": "run --players {{players}}", "stopSignal": "SIGINT", "ready": []string{"ready"}},
		"configFiles": []map[string]any{{"file": "bot.ini", "parser": "ini",
			"set": []map[string]any{{"key": "auth.key", "value": "{{apikey}}"}, {"key": "motd", "value": "{{motd}}"}}}},
		"variables": map[string]any{
			"apikey":  map[string]any{"type": "string", "default": apikeyDefault, "pattern": apikeyPattern, "hidden": true},
			"motd":    map[string]any{"type": "string", "default": "welcome", "max": 20},
			"players": map[string]any{"type": "integer", "default": 10, "min": 1, "max": 50, "userEditable": true},
		},
	}
}

// TestHiddenVariables: a tenant neither sees nor sets a hidden variable — not in the template
// it reads, not on create, not on definition edit, and an error about one names neither the
// variable nor its value — while an administrator sees and sets it.
func TestHiddenVariables(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	if r := n.env.DoJSON(t, http.MethodPost, "/api/templates", n.admin, hushTemplate("^k-", "k-12345")); r.Status != http.StatusCreated {
		t.Fatalf("POST template: %d %s", r.Status, r.Body)
	}
	token, id := n.tenant(t, "quiet", "server.create", "server.view", "server.definition.edit", "server.install", "templates.view")
	n.setQuota(t, id, map[string]any{"servers": 2, "memory": 1024, "disk": 1024, "cpu": 100, "databases": 0, "backups": 0})
	leaks := func(t *testing.T, what string, r *apitest.Response, secrets ...string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(string(r.Body), s) {
				t.Errorf("%s shows %q to the tenant: %s", what, s, r.Body)
			}
		}
	}
	refused := func(t *testing.T, r *apitest.Response, status int, code, field string) {
		t.Helper()
		r.ExpectError(t, status, code)
		if f := fieldOf(t, r); f != field {
			t.Errorf("metadata.field = %q, want %q (%s)", f, field, r.Body)
		}
	}

	var tpl struct{ Variables map[string]map[string]any }
	r := n.env.Do(t, http.MethodGet, "/api/templates/hush", token, nil, nil)
	r.JSON(t, &tpl)
	if r.Status != http.StatusOK || tpl.Variables["apikey"] != nil || tpl.Variables["motd"] == nil || tpl.Variables["players"] == nil {
		t.Errorf("tenant's template: %d %s", r.Status, r.Body)
	}
	leaks(t, "GET /api/templates/hush", r, "k-12345", `"hidden"`)
	n.env.Do(t, http.MethodGet, "/api/templates/hush", n.admin, nil, nil).JSON(t, &tpl)
	if a := tpl.Variables["apikey"]; a == nil || a["default"] != "k-12345" || a["hidden"] != true {
		t.Errorf("admin's template variables: %v", tpl.Variables)
	}

	create := func(sid string, vars map[string]any) *apitest.Response {
		return n.env.DoJSON(t, http.MethodPut, "/api/servers/"+sid, token, map[string]any{"name": sid, "ownerId": id,
			"template": "hush", "variables": vars, "limits": limits(256, 512, 50)})
	}
	refused(t, create("HUSH0001", map[string]any{"apikey": "k-mine"}), http.StatusForbidden, server.CodePermissionDenied, "variables.apikey")
	if n.row(t, "HUSH0001") != nil {
		t.Error("refused server exists")
	}
	refused(t, create("HUSH0001", map[string]any{"players": 51}), http.StatusBadRequest, server.CodeFieldInvalid, "variables.players")
	if r := create("HUSH0002", map[string]any{"motd": "hi", "players": 50}); r.Status != http.StatusCreated {
		t.Fatalf("tenant create: %d %s", r.Status, r.Body)
	}
	if v := n.row(t, "HUSH0002").Variables; v["apikey"] != "k-12345" || v["motd"] != "hi" || v["players"] != "50" {
		t.Errorf("stored variables %v", v)
	}
	waitFor(t, "the install of HUSH0002 to end", func() bool {
		var st struct{ State string }
		n.env.Do(t, http.MethodGet, "/api/servers/HUSH0002/status", n.admin, nil, nil).JSON(t, &st)
		return st.State == "stopped"
	})

	edit := func(tok, body string) *apitest.Response {
		return n.env.Do(t, http.MethodPut, "/api/servers/HUSH0002/definition", tok, strings.NewReader(body), nil)
	}
	refused(t, edit(token, `{"variables":{"apikey":"k-tenant"}}`), http.StatusForbidden, server.CodePermissionDenied, "variables.apikey")
	if r := edit(n.admin, `{"variables":{"apikey":"k-admin"}}`); r.Status != http.StatusNoContent {
		t.Fatalf("admin sets the hidden variable: %d %s", r.Status, r.Body)
	}
	if v := n.row(t, "HUSH0002").Variables; v["apikey"] != "k-admin" {
		t.Errorf("stored apikey %v", v["apikey"])
	}
	leaks(t, "GET /api/servers/HUSH0002", n.env.Do(t, http.MethodGet, "/api/servers/HUSH0002", token, nil, nil), "k-admin", "apikey")

	// The template changes: the stored hidden value no longer fits. A tenant's edit of a
	// visible variable is refused without naming the hidden one or showing its value.
	if r := n.env.DoJSON(t, http.MethodPut, "/api/templates/hush", n.admin, hushTemplate("^key-", "key-0")); r.Status != http.StatusOK {
		t.Fatalf("PUT template: %d %s", r.Status, r.Body)
	}
	r = edit(token, `{"variables":{"motd":"hello"}}`)
	refused(t, r, http.StatusBadRequest, server.CodeFieldInvalid, "variables")
	leaks(t, "a tenant's refused edit", r, "k-admin", "apikey")
	r = n.env.Do(t, http.MethodPost, "/api/servers/HUSH0002/install", token, nil, nil)
	refused(t, r, http.StatusBadRequest, server.CodeFieldInvalid, "variables")
	leaks(t, "a tenant's refused install", r, "k-admin", "apikey")
	if v := n.row(t, "HUSH0002").Variables; v["motd"] != "hi" {
		t.Errorf("refused edit stored motd %v", v["motd"])
	}
	r = edit(n.admin, `{"variables":{"motd":"hello"}}`)
	refused(t, r, http.StatusBadRequest, server.CodeFieldInvalid, "variables.apikey")
	if !strings.Contains(r.Error(t).Msg, "^key-") {
		t.Errorf("admin's error does not name the pattern: %s", r.Body)
	}
	if r := edit(n.admin, `{"variables":{"apikey":"key-1","motd":"hello"}}`); r.Status != http.StatusNoContent {
		t.Errorf("admin fixes the hidden value: %d %s", r.Status, r.Body)
	}
	if r := edit(token, `{"variables":{"motd":"hello again"}}`); r.Status != http.StatusNoContent {
		t.Errorf("tenant edit after the fix: %d %s", r.Status, r.Body)
	}
}
