package puffer

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/skypanel/skypanel/templates"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden is what a fixture converts to.
type golden struct {
	Template templates.Template `json:"template"`
	Meta     Meta               `json:"meta"`
}

// fixtures are the testdata templates that convert.
var fixtures = []string{"paper", "vanilla", "generic", "terraria"}

// TestConvertFixtures converts every fixture and compares with its golden file; the template
// must also load through templates.Parse (the format's own loader).
func TestConvertFixtures(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			tpl, meta, err := Convert(readFixture(t, name))
			if err != nil {
				t.Fatalf("Convert: %v", err)
			}
			got := encode(t, golden{tpl, meta})
			path := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("conversion differs from %s (run with -update after checking):\n%s", path, got)
			}
			tplJSON, err := json.Marshal(tpl)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := templates.Parse(tplJSON); err != nil {
				t.Errorf("templates.Parse refuses the converted template: %v", err)
			}
		})
	}
}

func encode(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".puffer.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func assertField(t *testing.T, err error, field string, sentinel error) {
	t.Helper()
	var fe *templates.SourceError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *templates.SourceError", err)
	}
	if fe.Field != field || !errors.Is(err, sentinel) {
		t.Errorf("error names %q (%v), want %q wrapping %v", fe.Field, err, field, sentinel)
	}
}
