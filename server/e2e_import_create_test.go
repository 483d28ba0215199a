package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/runtime/fake"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// docCreate is the documentation's create example (PUT /api/servers/:serverId), as sent.
func docCreate(ownerID int, eggID int) map[string]any {
	return map[string]any{
		"name": "New Server", "ownerId": ownerID, "eggId": eggID,
		"dockerImage":   "ghcr.io/pterodactyl/yolks:java_17",
		"startup":       "java -Xms128M -Xmx{{SERVER_MEMORY}}M -jar {{SERVER_JARFILE}}",
		"environment":   map[string]any{"SERVER_JARFILE": "server.jar", "f": "v"},
		"limits":        map[string]any{"memory": 1024, "swap": 0, "disk": 5120, "io": 500, "cpu": 100},
		"featureLimits": map[string]any{"databases": 1, "backups": 1},
	}
}

// TestCreateFromEgg creates servers with eggId exactly as the documentation's example sends
// it: the egg's template, environment entries naming egg variables set them (typed), the
// others stay environment; retries stay idempotent; bad eggIds are 400s creating nothing.
func TestCreateFromEgg(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	owner := n.env.AdminID
	egg := mustImport(t, n.env, n.admin, "", importFixture(t, "java-app.egg.json", nil))
	put := func(id string, body map[string]any) *apitest.Response {
		return n.env.DoJSON(t, http.MethodPut, "/api/servers/"+id, n.admin, body)
	}

	r := put("EGG00001", docCreate(owner, egg.EggID))
	if r.Status != http.StatusCreated {
		t.Fatalf("doc example: %d %s", r.Status, r.Body)
	}
	row := n.row(t, "EGG00001")
	if row.Template == nil || *row.Template != "java-app-fixture" || row.Image != "ghcr.io/pterodactyl/yolks:java_17" ||
		row.Startup != "java -Xms128M -Xmx{{SERVER_MEMORY}}M -jar {{SERVER_JARFILE}}" {
		t.Errorf("row: template %v image %q startup %q", row.Template, row.Image, row.Startup)
	}
	if row.Variables["SERVER_JARFILE"] != "server.jar" || row.Variables["MAX_PLAYERS"] != "20" || len(row.Variables) != 2 {
		t.Errorf("variables = %v", row.Variables)
	}
	if len(row.Environment) != 1 || row.Environment["f"] != "v" {
		t.Errorf("environment = %v", row.Environment)
	}
	if r := put("EGG00001", docCreate(owner, egg.EggID)); r.Status != http.StatusOK {
		t.Errorf("identical retry: %d %s", r.Status, r.Body)
	}

	t.Run("typed variables", func(t *testing.T) {
		body := docCreate(owner, egg.EggID)
		body["environment"] = map[string]any{"MAX_PLAYERS": "25", "SERVER_JARFILE": "paper.jar"}
		body["template"] = "java-app-fixture" // the same template: allowed
		delete(body, "startup")               // the egg's own
		if r := put("EGG00002", body); r.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		row := n.row(t, "EGG00002")
		if row.Variables["MAX_PLAYERS"] != "25" || row.Variables["SERVER_JARFILE"] != "paper.jar" || len(row.Environment) != 0 {
			t.Errorf("variables %v environment %v", row.Variables, row.Environment)
		}
		if !strings.Contains(row.Startup, "-jar {{SERVER_JARFILE}} --players {{MAX_PLAYERS}}") {
			t.Errorf("startup = %q", row.Startup)
		}
	})
	t.Run("externalId retry", func(t *testing.T) {
		body := docCreate(owner, egg.EggID)
		body["externalId"] = "whmcs-egg-1"
		first := n.env.DoJSON(t, http.MethodPut, "/api/servers", n.admin, body)
		again := n.env.DoJSON(t, http.MethodPut, "/api/servers", n.admin, body)
		var a, b struct{ ID string }
		first.JSON(t, &a)
		again.JSON(t, &b)
		if first.Status != http.StatusCreated || again.Status != http.StatusOK || a.ID == "" || a.ID != b.ID {
			t.Errorf("retry: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
		}
	})
	t.Run("refused", func(t *testing.T) {
		cases := []struct {
			name, field, code string
			edit              func(map[string]any)
		}{
			{"unknown egg", "eggId", server.CodeTemplateNotFound, func(b map[string]any) { b["eggId"] = 99 }},
			{"other template", "eggId", server.CodeFieldInvalid, func(b map[string]any) { b["template"] = "paper" }},
			{"not an integer", "environment.MAX_PLAYERS", server.CodeFieldInvalid, func(b map[string]any) {
				b["environment"] = map[string]any{"MAX_PLAYERS": "many"}
			}},
			{"set twice", "environment.MAX_PLAYERS", server.CodeFieldInvalid, func(b map[string]any) {
				b["environment"] = map[string]any{"MAX_PLAYERS": "3"}
				b["variables"] = map[string]any{"MAX_PLAYERS": 4}
			}},
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				body := docCreate(owner, egg.EggID)
				c.edit(body)
				id := "BADEGG0" + string(rune('1'+i))
				d := put(id, body).ExpectError(t, http.StatusBadRequest, c.code)
				if d.Metadata == nil || (*d.Metadata)["field"] != c.field {
					t.Errorf("metadata = %v (msg %q), want field %s", d.Metadata, d.Msg, c.field)
				}
				if n.row(t, id) != nil {
					t.Errorf("refused server %s exists", id)
				}
			})
		}
	})
}

// TestImportedTemplateReplaced: PUT /api/templates/{name} on an imported egg keeps its egg id
// (servers and billing systems name it) but the template no longer exports as the egg.
func TestImportedTemplateReplaced(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	egg := mustImport(t, n.env, n.admin, "", importFixture(t, "java-app.egg.json", nil))
	g := n.env.Do(t, http.MethodGet, "/api/templates/java-app-fixture", n.admin, nil, nil)
	var body map[string]any
	g.JSON(t, &body)
	body["display"] = "Java App, edited"
	if r := n.env.DoJSON(t, http.MethodPut, "/api/templates/java-app-fixture", n.admin, body); r.Status != http.StatusOK {
		t.Fatalf("PUT = %d %s", r.Status, r.Body)
	}
	if ids := eggIDs(t, n.env, n.admin); ids["java-app-fixture"] != egg.EggID {
		t.Errorf("egg ids after PUT = %v", ids)
	}
	msg := refusedField(t, n.env.Do(t, http.MethodGet, "/api/templates/java-app-fixture?format=egg", n.admin, nil, nil), "format")
	if !strings.Contains(msg, "replaced since its import") {
		t.Errorf("msg = %q", msg)
	}
	if r := n.env.DoJSON(t, http.MethodPut, "/api/servers/EGGPUT01", n.admin, docCreate(n.env.AdminID, egg.EggID)); r.Status != http.StatusCreated {
		t.Fatalf("create with the egg id after PUT: %d %s", r.Status, r.Body)
	}
	if row := n.row(t, "EGGPUT01"); row.Template == nil || *row.Template != "java-app-fixture" {
		t.Errorf("template = %v", row.Template)
	}
}
