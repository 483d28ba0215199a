package egg

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/skypanel/skypanel/templates"
)

// TestExportRoundTrip: for every fixture, Convert → Export → Convert gives the identical
// template and Meta (notes aside: they describe the source egg), exporting that again gives
// the same bytes, and the export is the golden file testdata/<name>.export.json.
func TestExportRoundTrip(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			tpl, m, err := Convert(readFixture(t, name))
			if err != nil {
				t.Fatal(err)
			}
			out, err := Export(tpl, m)
			if err != nil {
				t.Fatalf("Export: %v", err)
			}
			tpl2, m2, err := Convert(out)
			if err != nil {
				t.Fatalf("Convert(Export): %v\n%s", err, out)
			}
			if a, b := mustJSON(t, tpl), mustJSON(t, tpl2); !bytes.Equal(a, b) {
				t.Errorf("template changed through an export:\n%s\n%s", a, b)
			}
			m.Notes, m2.Notes = nil, nil
			if !reflect.DeepEqual(m, m2) {
				t.Errorf("meta changed through an export:\n%+v\n%+v", m, m2)
			}
			again, err := Export(tpl2, m2)
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("a second export differs (%v):\n%s", err, again)
			}
			golden := filepath.Join("testdata", name+".export.json")
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if want, err := os.ReadFile(golden); err != nil || !bytes.Equal(out, want) {
				t.Errorf("export differs from %s (%v; run with -update after checking):\n%s", golden, err, out)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestExportKeepsEggFields compares the exported egg with the original field by field, on
// every field Convert understands, both read independently as generic JSON and brought to
// one canonical form (canonicalEgg, which lists what is normalised).
func TestExportKeepsEggFields(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			raw := readFixture(t, name)
			tpl, m, err := Convert(raw)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Export(tpl, m)
			if err != nil {
				t.Fatal(err)
			}
			want, got := canonicalEgg(t, raw), canonicalEgg(t, out)
			for field, w := range want {
				if g := got[field]; !reflect.DeepEqual(g, w) {
					t.Errorf("%s:\n got %#v\nwant %#v", field, g, w)
				}
			}
		})
	}
}

// TestExportRefusals: what an egg cannot hold is an error naming the template's field.
func TestExportRefusals(t *testing.T) {
	tests := []struct {
		name, field string
		change      func(t *templates.Template, m *Meta)
	}{
		{"unknown format", "format", func(_ *templates.Template, m *Meta) { m.Format = "pufferpanel" }},
		{"no image", "image", func(t *templates.Template, _ *Meta) { t.Image = "" }},
		{"SIGQUIT", "run.stopSignal", func(t *templates.Template, _ *Meta) { t.Run.Stop, t.Run.StopSignal = "", "SIGQUIT" }},
		{"stop command read as a signal", "run.stop", func(t *templates.Template, _ *Meta) { t.Run.Stop = "^C" }},
		{"two install steps", "install", func(t *templates.Template, _ *Meta) {
			t.Install = append(t.Install, templates.Step{Type: templates.StepMkdir, Files: []string{"x"}})
		}},
		{"another mount", "install[0].mount", func(t *templates.Template, _ *Meta) { t.Install[0].Mount = "" }},
		{"not an egg script", "install[0].commands", func(t *templates.Template, _ *Meta) { t.Install[0].Commands = []string{"echo hi"} }},
		{"option with a comma", "variables.SERVER_JARFILE", func(t *templates.Template, _ *Meta) {
			t.Variables["SERVER_JARFILE"] = templates.Variable{Type: templates.TypeOption, Options: []string{"a,b"}}
		}},
		{"xml attribute name", "configFiles[0].set[0]", func(t *templates.Template, _ *Meta) {
			t.ConfigFiles = []templates.ConfigFile{{File: "a.xml", Parser: "xml", Set: []templates.ConfigSet{{Key: "a.@b-c", Value: "1"}}}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, m, err := Convert(readFixture(t, "paper"))
			if err != nil {
				t.Fatal(err)
			}
			tt.change(&tpl, &m)
			_, err = Export(tpl, m)
			assertField(t, err, tt.field, ErrNotExportable)
		})
	}
}

// TestExportImages: the template's image is the egg's first (its default), added when the
// list lacks it; the other images keep their order.
func TestExportImages(t *testing.T) {
	m := Meta{Images: []Image{{"A", "a:1"}, {"B", "b:1"}, {"C", "c:1"}}}
	for _, tt := range []struct {
		image string
		want  []string
	}{
		{"a:1", []string{"A", "B", "C"}},
		{"c:1", []string{"C", "A", "B"}},
		{"d:1", []string{"d:1", "A", "B", "C"}},
	} {
		got, err := exportImages(templates.Template{Image: tt.image}, m)
		if err != nil {
			t.Fatal(err)
		}
		var labels []string
		for _, g := range got {
			labels = append(labels, g.Key)
		}
		if !reflect.DeepEqual(labels, tt.want) {
			t.Errorf("image %s: %q, want %q", tt.image, labels, tt.want)
		}
	}
}

// BenchmarkConvert and BenchmarkExport measure the largest fixture (every parser and rule).
func BenchmarkConvert(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "file-parsers.egg.json"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := Convert(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExport(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "file-parsers.egg.json"))
	if err != nil {
		b.Fatal(err)
	}
	tpl, m, err := Convert(raw)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Export(tpl, m); err != nil {
			b.Fatal(err)
		}
	}
}
