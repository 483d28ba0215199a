package server_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// TestEggExport: GET /api/templates/{name}?format=egg gives back every imported egg with the
// fields the conversion understands unchanged (sameEgg).
func TestEggExport(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	for _, file := range []string{"java-app.egg.json", "busybox-game.egg.json"} {
		t.Run(file, func(t *testing.T) {
			raw := importFixture(t, file, nil)
			got := mustImport(t, env, admin, "", raw)
			r := env.Do(t, http.MethodGet, "/api/templates/"+got.Template.Name+"?format=egg", admin, nil, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("export: %d %s", r.Status, r.Body)
			}
			sameEgg(t, raw, r.Body)
			again := mustImport(t, env, admin, "?name="+got.Template.Name+"-again", r.Body)
			if again.EggID == got.EggID || !reflect.DeepEqual(again.Template.Run, got.Template.Run) || again.Template.Image != got.Template.Image {
				t.Errorf("re-import of the export: %+v, first %+v", again, got)
			}
		})
	}
}

// TestEggExportRefused: a PufferPanel import is not an egg; an egg with hidden variables
// exports for administrators only.
func TestEggExportRefused(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	puffer := mustImport(t, env, admin, "", importFixture(t, "shell-game.puffer.json", nil))
	if puffer.Format != "pufferpanel" || puffer.EggID != 0 {
		t.Errorf("PufferPanel import: format %q, eggId %d", puffer.Format, puffer.EggID)
	}
	if msg := refusedField(t, env.Do(t, http.MethodGet, "/api/templates/"+puffer.Template.Name+"?format=egg", admin, nil, nil), "format"); !strings.Contains(msg, "not imported from an egg") {
		t.Errorf("msg = %q", msg)
	}
	raw := importFixture(t, "java-app.egg.json", func(m map[string]any) {
		m["variables"] = append(m["variables"].([]any), map[string]any{"name": "Api Key", "env_variable": "API_KEY",
			"default_value": "k3y", "user_viewable": false, "user_editable": false, "rules": "nullable|string"})
	})
	egg := mustImport(t, env, admin, "", raw)
	path := "/api/templates/" + egg.Template.Name + "?format=egg"
	tenant, _ := env.UserToken(t, "viewer", false, "templates.view")
	d := env.Do(t, http.MethodGet, path, tenant, nil, nil).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	if strings.Contains(d.Msg, "API_KEY") || strings.Contains(d.Msg, "k3y") {
		t.Errorf("the refusal shows the hidden variable: %q", d.Msg)
	}
	r := env.Do(t, http.MethodGet, path, admin, nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("admin export: %d %s", r.Status, r.Body)
	}
	sameEgg(t, raw, r.Body)
}

// eggFields are the fields of an egg the conversion understands, normalised: null and empty
// lists alike, booleans as 0/1 or true/false alike, rules as a sorted set, config's JSON
// strings decoded, CRLF as LF.
type eggFields struct {
	Version, Name, Author, Description, Startup, Stop string
	Features, Denylist                                []string
	Images                                            map[string]string
	Done                                              []string
	Files                                             map[string]any
	Install                                           map[string]string
	Variables                                         []map[string]any
}

func readEgg(t *testing.T, raw []byte) eggFields {
	t.Helper()
	var e struct {
		Meta         struct{ Version string }
		Name, Author string
		Description  *string
		Features     []string
		FileDenylist []string          `json:"file_denylist"`
		DockerImages map[string]string `json:"docker_images"`
		Startup      string
		Config       struct{ Files, Startup, Stop json.RawMessage }
		Scripts      struct{ Installation map[string]string }
		Variables    []map[string]any
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatalf("egg: %v\n%s", err, raw)
	}
	f := eggFields{Version: e.Meta.Version, Name: e.Name, Author: e.Author, Startup: e.Startup,
		Features: slices.Clip(e.Features), Denylist: slices.Clip(e.FileDenylist), Images: e.DockerImages,
		Install: map[string]string{}}
	if e.Description != nil {
		f.Description = *e.Description
	}
	_ = json.Unmarshal(e.Config.Stop, &f.Stop)
	var startup struct{ Done any }
	decodeConfig(t, e.Config.Startup, &startup)
	switch d := startup.Done.(type) {
	case string:
		f.Done = []string{d}
	case []any:
		for _, p := range d {
			f.Done = append(f.Done, p.(string))
		}
	}
	decodeConfig(t, e.Config.Files, &f.Files)
	if len(f.Files) == 0 {
		f.Files = nil
	}
	for k, v := range e.Scripts.Installation {
		f.Install[k] = strings.ReplaceAll(v, "\r\n", "\n")
	}
	for _, v := range e.Variables {
		rules, _ := v["rules"].(string)
		parts := strings.Split(rules, "|")
		slices.Sort(parts)
		desc, _ := v["description"].(string) // null and "" alike
		f.Variables = append(f.Variables, map[string]any{"name": v["name"], "description": desc,
			"env_variable": v["env_variable"], "default_value": v["default_value"], "rules": parts,
			"user_viewable": truthy(v["user_viewable"]), "user_editable": truthy(v["user_editable"])})
	}
	if len(f.Features) == 0 {
		f.Features = nil
	}
	if len(f.Denylist) == 0 {
		f.Denylist = nil
	}
	return f
}

// decodeConfig reads one of an egg's config fields: a JSON string holding JSON, or JSON.
func decodeConfig(t *testing.T, raw json.RawMessage, v any) {
	t.Helper()
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = json.RawMessage(s)
	}
	if len(raw) == 0 || string(raw) == "null" {
		return
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Errorf("config field %s: %v", raw, err)
	}
}

func truthy(v any) bool { return v == true || v == float64(1) || v == "1" || v == "true" }

// sameEgg asserts the exported egg keeps every field of the source the conversion understands.
func sameEgg(t *testing.T, source, exported []byte) {
	t.Helper()
	want, got := readEgg(t, source), readEgg(t, exported)
	if !reflect.DeepEqual(want, got) {
		t.Errorf("exported egg differs:\n got  %+v\n want %+v\nexported: %s", got, want, exported)
	}
}
