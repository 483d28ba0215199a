package egg

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

var fixtures = []string{"paper", "steamcmd", "nodejs-bot", "rules", "file-parsers"}

// TestMetaKeepsDescriptiveFields: the egg fields the template has no place for come back in
// Meta as the egg wrote them (read here independently, through a generic decode), the
// template uses the first image, and Meta survives a JSON round trip (the panel stores it).
func TestMetaKeepsDescriptiveFields(t *testing.T) {
	for _, name := range fixtures {
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
			check("author", m.Author, e["author"])
			check("uuid", m.UUID, orEmpty(e["uuid"]))
			check("exported_at", m.ExportedAt, orEmpty(e["exported_at"]))
			check("description", m.Description, orEmpty(e["description"]))
			if f, ok := e["features"].([]any); ok {
				check("features", m.Features, f)
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
			vars := e["variables"].([]any)
			check("variables", len(m.Variables), len(vars))
			for i, v := range m.Variables {
				check("variables.name", v.Name, vars[i].(egg)["name"])
				check("variables.env_variable", v.EnvVariable, vars[i].(egg)["env_variable"])
			}
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			var back Meta
			if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, m) {
				t.Errorf("Meta JSON round trip: %v\n got %+v\nwant %+v", err, back, m)
			}
		})
	}
}

func orEmpty(v any) any {
	if v == nil {
		return ""
	}
	return v
}
