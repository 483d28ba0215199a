package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// importFixture reads server/testdata/import/<file>; edit, when given, changes the decoded
// source first (the key order of the file is kept only without edit).
func importFixture(t *testing.T, file string, edit func(map[string]any)) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "import", file))
	if err != nil {
		t.Fatal(err)
	}
	if edit == nil {
		return raw
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	if raw, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	return raw
}

// imported is the 201 answer of POST /api/templates/import.
type imported struct {
	Template struct {
		Name, Image string
		Run         struct {
			Command, Stop, StopSignal string
			Ready                     []string
		}
		Variables map[string]json.RawMessage
	}
	Format string
	EggID  int `json:"eggId"`
	Notes  []string
}

// postImport sends raw to POST /api/templates/import+query.
func postImport(t *testing.T, env *apitest.Env, token, query string, raw []byte) *apitest.Response {
	t.Helper()
	return env.Do(t, http.MethodPost, "/api/templates/import"+query, token, bytes.NewReader(raw),
		http.Header{"Content-Type": {"application/json"}})
}

// mustImport imports raw and returns the answer.
func mustImport(t *testing.T, env *apitest.Env, token, query string, raw []byte) imported {
	t.Helper()
	r := postImport(t, env, token, query, raw)
	if r.Status != http.StatusCreated {
		t.Fatalf("import%s = %d %s", query, r.Status, r.Body)
	}
	var out imported
	r.JSON(t, &out)
	return out
}

// refusedField asserts a 400 ErrFieldInvalid naming field and returns its message.
func refusedField(t *testing.T, r *apitest.Response, field string) string {
	t.Helper()
	d := r.ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
	if d.Metadata == nil || (*d.Metadata)["field"] != field {
		t.Errorf("metadata = %v (msg %q), want field %s", d.Metadata, d.Msg, field)
	}
	return d.Msg
}

// eggIDs lists GET /api/templates as name → eggId (0: none).
func eggIDs(t *testing.T, env *apitest.Env, token string) map[string]int {
	t.Helper()
	r := env.Do(t, http.MethodGet, "/api/templates?limit=100", token, nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("list = %d %s", r.Status, r.Body)
	}
	var list struct {
		Templates []struct {
			Name  string
			EggID int `json:"eggId"`
		}
	}
	r.JSON(t, &list)
	out := map[string]int{}
	for _, tpl := range list.Templates {
		out[tpl.Name] = tpl.EggID
	}
	return out
}

// TestImportTemplate imports an egg through the API: the first docker image (in the egg's
// order) is the template's, egg ids count up, names are checked like POST /api/templates'.
func TestImportTemplate(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	raw := importFixture(t, "java-app.egg.json", nil)
	got := mustImport(t, env, admin, "", raw)
	if got.Format != "PTDL_v2" || got.EggID != 1 || got.Template.Name != "java-app-fixture" ||
		got.Template.Image != "ghcr.io/pterodactyl/yolks:java_21" || got.Template.Run.Stop != "stop" {
		t.Errorf("imported = %+v", got)
	}
	if !strings.Contains(got.Template.Run.Command, "-Xmx{{SERVER_MEMORY}}M -jar {{SERVER_JARFILE}}") {
		t.Errorf("command = %q", got.Template.Run.Command)
	}
	if g := env.Do(t, http.MethodGet, "/api/templates/java-app-fixture", admin, nil, nil); g.Status != http.StatusOK ||
		!strings.Contains(string(g.Body), `"SERVER_JARFILE"`) {
		t.Errorf("GET = %d %s", g.Status, g.Body)
	}
	postImport(t, env, admin, "", raw).ExpectError(t, http.StatusConflict, server.CodeConflict)
	postImport(t, env, admin, "?name=paper", raw).ExpectError(t, http.StatusConflict, server.CodeConflict)
	second := mustImport(t, env, admin, "?name=java-app-2", raw)
	if second.EggID != 2 || second.Template.Name != "java-app-2" {
		t.Errorf("second import = %+v", second)
	}
	ids := eggIDs(t, env, admin)
	if ids["java-app-fixture"] != 1 || ids["java-app-2"] != 2 || ids["paper"] != 0 || len(ids) != 6 {
		t.Errorf("egg ids = %v", ids)
	}
	tenant, _ := env.UserToken(t, "viewer", false, "templates.view")
	postImport(t, env, tenant, "?name=mine", raw).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	if ids := eggIDs(t, env, tenant); ids["java-app-2"] != 2 {
		t.Errorf("tenant list: %v", ids)
	}
}

// TestImportTemplateRefused: whatever cannot be imported is a 400 naming the source's field
// (or the request's), and nothing is stored.
func TestImportTemplateRefused(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	egg := func(edit func(map[string]any)) []byte { return importFixture(t, "java-app.egg.json", edit) }
	cases := []struct {
		name, field, msg string
		raw              []byte
	}{
		{"junk", "$", "PufferPanel", []byte(`{"hello": "world"}`)},
		{"unknown egg version", "meta.version", "not supported", egg(func(m map[string]any) {
			m["meta"] = map[string]any{"version": "PTDL_v9"}
		})},
		{"unsupported rule", "variables[1].rules", "not supported", egg(func(m map[string]any) {
			m["variables"].([]any)[1].(map[string]any)["rules"] = "required|email"
		})},
		{"no startup", "startup", "invalid source", egg(func(m map[string]any) { m["startup"] = "" })},
		{"pufferpanel install operation", "install[0].type", "not supported", importFixture(t, "shell-game.puffer.json", func(m map[string]any) {
			m["install"] = []any{map[string]any{"type": "steamgamedl", "appId": "740"}}
		})},
		{"unknown placeholder", "startup", "invalid source", egg(func(m map[string]any) { m["startup"] = "run {{NOPE}}" })},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if msg := refusedField(t, postImport(t, env, admin, "", c.raw), c.field); !strings.Contains(msg, c.msg) {
				t.Errorf("msg = %q, want it to say %q", msg, c.msg)
			}
		})
	}
	t.Run("not json", func(t *testing.T) {
		postImport(t, env, admin, "", []byte(`meta: PTDL_v2`)).ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
		postImport(t, env, admin, "", []byte(`[1, 2]`)).ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
	})
	t.Run("too large", func(t *testing.T) {
		big := egg(func(m map[string]any) { m["description"] = strings.Repeat("x", 1<<20) })
		postImport(t, env, admin, "", big).ExpectError(t, http.StatusRequestEntityTooLarge, server.CodePayloadTooLarge)
	})
	if ids := eggIDs(t, env, admin); len(ids) != 4 {
		t.Errorf("a refused import was stored: %v", ids)
	}
}

// TestExportEggRefused: only templates imported from an egg export as eggs.
func TestExportEggRefused(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	refusedField(t, env.Do(t, http.MethodGet, "/api/templates/paper?format=egg", admin, nil, nil), "format")
	if r := env.DoJSON(t, http.MethodPost, "/api/templates", admin, echoTemplate("echo-bot", "Echo bot")); r.Status != http.StatusCreated {
		t.Fatalf("POST = %d %s", r.Status, r.Body)
	}
	if msg := refusedField(t, env.Do(t, http.MethodGet, "/api/templates/echo-bot?format=egg", admin, nil, nil), "format"); !strings.Contains(msg, "not imported from an egg") {
		t.Errorf("msg = %q", msg)
	}
	env.Do(t, http.MethodGet, "/api/templates/nope?format=egg", admin, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeTemplateNotFound)
	if r := env.Do(t, http.MethodGet, "/api/templates/echo-bot?format=template", admin, nil, nil); r.Status != http.StatusOK {
		t.Errorf("format=template: %d %s", r.Status, r.Body)
	}
}

// TestImportConcurrent: imports racing for the next egg id all succeed with distinct ids (the
// choice and the insert share a transaction; the unique index refuses a duplicate).
func TestImportConcurrent(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	raw := importFixture(t, "java-app.egg.json", nil)
	const n = 8
	answers := make([]*apitest.Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i] = postImport(t, env, admin, fmt.Sprintf("?name=racer-%d", i), raw) })
	}
	wg.Wait()
	seen := map[int]bool{}
	for i, r := range answers {
		var got imported
		if r == nil || r.Status != http.StatusCreated {
			t.Fatalf("import %d: %+v", i, r)
		}
		r.JSON(t, &got)
		seen[got.EggID] = true
	}
	for id := 1; id <= n; id++ {
		if !seen[id] {
			t.Errorf("egg ids = %v, want 1..%d", seen, n)
		}
	}
}
