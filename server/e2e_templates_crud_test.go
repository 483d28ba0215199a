package server_test

import (
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// echoTemplate is a stored template for the standard environment: its install writes the
// greeting variable to a file, its run command greets every console line with it.
func echoTemplate(name, display string) map[string]any {
	return map[string]any{
		"name": name, "display": display, "type": "generic", "supportedVersions": []string{},
		"environments": []string{"standard"},
		"install":      []map[string]any{{"type": "writefile", "target": "greeting.txt", "text": "{{greeting}}"}},
		"run": map[string]any{"command": `echo ready; while read l; do echo "$(cat greeting.txt) $l"; done`,
			"stop": "quit", "stopTimeout": 5},
		"variables": map[string]any{"greeting": map[string]any{"type": "string", "default": "hello", "required": true}},
	}
}

// templateNames lists GET /api/templates+query as "a,b,c" and the paging total.
func templateNames(t *testing.T, env *apitest.Env, token, query string) (string, int) {
	t.Helper()
	r := env.Do(t, http.MethodGet, "/api/templates"+query, token, nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /api/templates%s = %d %s", query, r.Status, r.Body)
	}
	var list struct {
		Templates []struct{ Name string }
		Metadata  struct{ Paging struct{ Total int } }
	}
	r.JSON(t, &list)
	var names []string
	for _, tpl := range list.Templates {
		names = append(names, tpl.Name)
	}
	return strings.Join(names, ","), list.Metadata.Paging.Total
}

func TestTemplatesCRUD(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	if r := env.DoJSON(t, http.MethodPost, "/api/templates", admin, echoTemplate("echo-bot", "Echo bot")); r.Status != http.StatusCreated ||
		!strings.Contains(string(r.Body), `"display":"Echo bot"`) {
		t.Fatalf("POST = %d %s", r.Status, r.Body)
	}
	for _, c := range []struct {
		query, want string
		total       int
	}{{"", "echo-bot,generic,minecraft-java,paper,terraria", 5}, {"?page=2&limit=2", "minecraft-java,paper", 5}} {
		if names, total := templateNames(t, env, admin, c.query); names != c.want || total != c.total {
			t.Errorf("list%s = %s (total %d), want %s", c.query, names, total, c.want)
		}
	}
	t.Run("name taken", func(t *testing.T) {
		for _, name := range []string{"echo-bot", "paper"} {
			env.DoJSON(t, http.MethodPost, "/api/templates", admin, echoTemplate(name, "again")).
				ExpectError(t, http.StatusConflict, server.CodeConflict)
		}
	})
	t.Run("replace", func(t *testing.T) {
		r := env.DoJSON(t, http.MethodPut, "/api/templates/echo-bot", admin, echoTemplate("echo-bot", "Echo bot 2"))
		if r.Status != http.StatusOK {
			t.Fatalf("PUT = %d %s", r.Status, r.Body)
		}
		g := env.Do(t, http.MethodGet, "/api/templates/echo-bot", admin, nil, nil)
		if g.Status != http.StatusOK || !strings.Contains(string(g.Body), `"display":"Echo bot 2"`) {
			t.Errorf("GET after PUT = %d %s", g.Status, g.Body)
		}
		env.DoJSON(t, http.MethodPut, "/api/templates/nope", admin, echoTemplate("nope", "x")).
			ExpectError(t, http.StatusNotFound, server.CodeTemplateNotFound)
		d := env.DoJSON(t, http.MethodPut, "/api/templates/echo-bot", admin, echoTemplate("other", "x")).
			ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
		if d.Metadata == nil || (*d.Metadata)["field"] != "name" {
			t.Errorf("metadata = %v", d.Metadata)
		}
	})
	t.Run("builtin read-only", func(t *testing.T) {
		d := env.DoJSON(t, http.MethodPut, "/api/templates/paper", admin, echoTemplate("paper", "mine now")).
			ExpectError(t, http.StatusConflict, server.CodeConflict)
		if !strings.Contains(d.Msg, "built-in templates are read-only") {
			t.Errorf("msg = %q", d.Msg)
		}
		env.Do(t, http.MethodDelete, "/api/templates/paper", admin, nil, nil).ExpectError(t, http.StatusConflict, server.CodeConflict)
		if g := env.Do(t, http.MethodGet, "/api/templates/paper", admin, nil, nil); !strings.Contains(string(g.Body), `"display":"Minecraft Paper"`) {
			t.Errorf("paper changed: %s", g.Body)
		}
	})
	t.Run("tenant", func(t *testing.T) {
		tenant, _ := env.UserToken(t, "viewer", false, "templates.view")
		if names, _ := templateNames(t, env, tenant, ""); !strings.HasPrefix(names, "echo-bot,") {
			t.Errorf("tenant list = %s", names)
		}
		env.DoJSON(t, http.MethodPost, "/api/templates", tenant, echoTemplate("mine", "x")).
			ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
		env.DoJSON(t, http.MethodPut, "/api/templates/echo-bot", tenant, echoTemplate("echo-bot", "x")).
			ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
		env.Do(t, http.MethodDelete, "/api/templates/echo-bot", tenant, nil, nil).
			ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	})
	t.Run("delete", func(t *testing.T) {
		if r := env.Do(t, http.MethodDelete, "/api/templates/echo-bot", admin, nil, nil); r.Status != http.StatusNoContent {
			t.Fatalf("DELETE = %d %s", r.Status, r.Body)
		}
		env.Do(t, http.MethodGet, "/api/templates/echo-bot", admin, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeTemplateNotFound)
		env.Do(t, http.MethodDelete, "/api/templates/echo-bot", admin, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeTemplateNotFound)
	})
}

func TestTemplatesCRUDValidation(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	cases := []struct {
		name  string
		edit  func(m map[string]any)
		field string
	}{
		{"unknown placeholder", func(m map[string]any) { m["run"] = map[string]any{"command": "echo {{nope}}"} }, "run.command"},
		{"no environment", func(m map[string]any) { m["environments"] = []string{} }, "environments"},
		{"bad name", func(m map[string]any) { m["name"] = "Bad Name" }, "name"},
		{"default of the wrong type", func(m map[string]any) {
			m["variables"] = map[string]any{"greeting": map[string]any{"type": "integer", "default": "lots"}}
		}, "variables.greeting.default"},
		{"editable string in the command", func(m map[string]any) {
			m["variables"] = map[string]any{"greeting": map[string]any{"type": "string", "default": "hi", "userEditable": true}}
			m["run"] = map[string]any{"command": "echo {{greeting}}"}
		}, "variables.greeting"},
		{"step without its field", func(m map[string]any) { m["install"] = []map[string]any{{"type": "writefile", "text": "x"}} }, "install[0]"},
		// issue 15: spec-valid bodies the template format refuses, naming the nested field
		{"ready regex", func(m map[string]any) {
			m["run"] = map[string]any{"command": "echo", "ready": []string{"ok", "regex:(unclosed"}}
		}, "run.ready[1]"},
		{"config file outside the folder", func(m map[string]any) {
			m["configFiles"] = []map[string]any{{"file": "../etc/x.properties", "parser": "properties",
				"set": []map[string]any{{"key": "port", "value": "{{SERVER_PORT}}"}}}}
		}, "configFiles[0].file"},
		{"config value placeholder", func(m map[string]any) {
			m["configFiles"] = []map[string]any{{"file": "a.xml", "parser": "xml",
				"set": []map[string]any{{"key": "a.@b", "value": "{{SERVER_PORT}}"}, {"key": "c", "value": "{{nope}}"}}}}
		}, "configFiles[0].set[1].value"},
		{"variable pattern", func(m map[string]any) {
			m["variables"] = map[string]any{"greeting": map[string]any{"type": "string", "default": "hi", "pattern": "([a-z]"}}
		}, "variables.greeting.pattern"},
		{"default outside the bounds", func(m map[string]any) {
			m["variables"] = map[string]any{"greeting": map[string]any{"type": "string", "default": "hello", "max": 3}}
		}, "variables.greeting.default"},
		{"hidden and editable", func(m map[string]any) {
			m["variables"] = map[string]any{"greeting": map[string]any{"type": "string", "hidden": true, "userEditable": true}}
		}, "variables.greeting.hidden"},
		{"config key the node refuses", func(m map[string]any) { // templates accept it; every node would not
			m["configFiles"] = []map[string]any{{"file": "server.properties", "parser": "properties",
				"set": []map[string]any{{"key": "server port", "value": "{{SERVER_PORT}}"}}}}
		}, "configFiles[0]"},
		{"mount in a standard template", func(m map[string]any) {
			m["install"] = []map[string]any{{"type": "command", "commands": []string{"true"}, "mount": "/mnt/server"}}
		}, "install[0].mount"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := maps.Clone(echoTemplate("bad-tpl", "Bad"))
			c.edit(body)
			d := env.DoJSON(t, http.MethodPost, "/api/templates", admin, body).ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
			if d.Metadata == nil || (*d.Metadata)["field"] != c.field {
				t.Errorf("metadata = %v (msg %q), want field %s", d.Metadata, d.Msg, c.field)
			}
		})
	}
	if names, total := templateNames(t, env, admin, ""); total != 4 || strings.Contains(names, "bad") {
		t.Errorf("a refused template was stored: %s", names)
	}
}

// TestStoredTemplateServer creates a server from a stored template: it installs with the
// template's steps and variables, runs its command and stops with its stop command; the
// template cannot be deleted while the server uses it.
func TestStoredTemplateServer(t *testing.T) {
	n := startTplNode(t)
	if r := n.env.DoJSON(t, http.MethodPost, "/api/templates", n.admin, echoTemplate("echo-bot", "Echo bot")); r.Status != http.StatusCreated {
		t.Fatalf("POST = %d %s", r.Status, r.Body)
	}
	n.mustCreate(t, "ECHO1", map[string]any{"template": "echo-bot", "environmentType": "standard",
		"variables": map[string]any{"greeting": "bonjour"}})
	n.waitState(t, "ECHO1", "stopped")
	if b, err := os.ReadFile(filepath.Join(n.volume("ECHO1"), "greeting.txt")); err != nil || string(b) != "bonjour" {
		t.Fatalf("greeting.txt = %q, %v", b, err)
	}
	def, err := n.mgr.Get("ECHO1")
	if err != nil || def.StopCommand != "quit" {
		t.Fatalf("definition: %+v, %v", def, err)
	}
	n.power(t, "ECHO1", "start", http.StatusNoContent)
	n.waitConsole(t, "ECHO1", "ready")
	if r := n.env.DoJSON(t, http.MethodPost, "/api/servers/ECHO1/console", n.admin, map[string]any{"command": "world"}); r.Status != http.StatusNoContent {
		t.Fatalf("console: %d %s", r.Status, r.Body)
	}
	n.waitConsole(t, "ECHO1", "bonjour world")
	d := n.env.Do(t, http.MethodDelete, "/api/templates/echo-bot", n.admin, nil, nil).ExpectError(t, http.StatusConflict, server.CodeConflict)
	if d.Metadata == nil || (*d.Metadata)["servers"] != float64(1) || !strings.Contains(d.Msg, "1 server") {
		t.Errorf("in use: %q %v", d.Msg, d.Metadata)
	}
	n.power(t, "ECHO1", "stop", http.StatusNoContent)
	n.waitState(t, "ECHO1", "stopped")
	if r := n.env.Do(t, http.MethodDelete, "/api/servers/ECHO1", n.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete server: %d %s", r.Status, r.Body)
	}
	if r := n.env.Do(t, http.MethodDelete, "/api/templates/echo-bot", n.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Errorf("delete template: %d %s", r.Status, r.Body)
	}
}
