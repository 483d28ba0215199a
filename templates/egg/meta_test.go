package egg

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestMetaRoundTrip: the egg fields Convert understands come back in Meta as the egg wrote
// them (read here independently, through a generic decode), and the template uses the first
// image.
func TestMetaRoundTrip(t *testing.T) {
	for _, name := range []string{"paper", "steamcmd", "nodejs-bot", "rules"} {
		t.Run(name, func(t *testing.T) {
			raw := readFixture(t, name)
			tpl, m, err := Convert(raw)
			if err != nil {
				t.Fatal(err)
			}
			var e egg
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatal(err)
			}
			check := func(field string, got, want any) {
				t.Helper()
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s: got %v, want %v", field, got, want)
				}
			}
			check("format", m.Format, e["meta"].(egg)["version"])
			check("name", m.Name, e["name"])
			check("author", m.Author, e["author"])
			check("startup", m.Startup, e["startup"])
			check("stop", m.Stop, config(e)["stop"])
			if d, ok := e["description"].(string); ok {
				check("description", m.Description, d)
			}
			imgs := e["docker_images"].(egg)
			check("images", len(m.Images), len(imgs))
			last := -1
			for _, img := range m.Images {
				check("images."+img.Label, img.Image, imgs[img.Label])
				pos := strings.Index(string(raw), fmt.Sprintf("%q", img.Label))
				if pos < last {
					t.Errorf("images: %q is out of the egg's order", img.Label)
				}
				last = pos
			}
			check("template image", tpl.Image, m.Images[0].Image)
			if in := install(e); in["script"] != "" {
				check("install.script", m.Install.Script, in["script"])
				check("install.container", m.Install.Container, in["container"])
				check("install.entrypoint", m.Install.Entrypoint, in["entrypoint"])
			} else if m.Install != nil {
				t.Errorf("install: %+v for an egg without a script", m.Install)
			}
			vars := e["variables"].([]any)
			check("variables", len(m.Variables), len(vars))
			for i, v := range m.Variables {
				ev := vars[i].(egg)
				check("variables.name", v.Name, ev["name"])
				check("variables.env_variable", v.EnvVariable, ev["env_variable"])
				check("variables.default_value", v.DefaultValue, ev["default_value"])
				check("variables.user_viewable", v.UserViewable, truthy(ev["user_viewable"]))
				check("variables.user_editable", v.UserEditable, truthy(ev["user_editable"]))
				check("template userEditable", *tpl.Variables[v.EnvVariable].UserEditable, v.UserEditable)
			}
		})
	}
}

func truthy(v any) bool { return v == true || v == float64(1) }

// TestStopAndDone: "^C" becomes SIGINT in Meta (the template sends SIGTERM and a note says
// so), other stop values are the console command; done patterns stay in Meta with a note.
func TestStopAndDone(t *testing.T) {
	tpl, m, err := Convert(readFixture(t, "steamcmd"))
	if err != nil {
		t.Fatal(err)
	}
	if m.StopSignal != "SIGINT" || tpl.Run.Stop != "" {
		t.Errorf("^C: stopSignal %q, run.stop %q", m.StopSignal, tpl.Run.Stop)
	}
	if len(m.Done) != 2 || m.Done[1] != "Connection to Steam servers successful" {
		t.Errorf("done: %q", m.Done)
	}
	for _, want := range []string{"config.stop", "config.startup.done", "scripts.installation.script"} {
		if !hasNote(m.Notes, want) {
			t.Errorf("no note about %s in %q", want, m.Notes)
		}
	}
	tpl, m, err = Convert(readFixture(t, "rules"))
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Run.Stop != "quit" || m.StopSignal != "" || len(m.Done) != 0 || len(m.Notes) != 0 {
		t.Errorf("rules egg: run.stop %q, stopSignal %q, done %q, notes %q", tpl.Run.Stop, m.StopSignal, m.Done, m.Notes)
	}
}

func hasNote(notes []string, prefix string) bool {
	for _, n := range notes {
		if strings.HasPrefix(n, prefix+":") {
			return true
		}
	}
	return false
}
