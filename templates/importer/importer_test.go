package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/templates"
	"github.com/skypanel/skypanel/templates/egg"
	"github.com/skypanel/skypanel/templates/puffer"
)

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	pufferPaper   = filepath.Join("..", "puffer", "testdata", "paper.puffer.json")
	pufferGeneric = filepath.Join("..", "puffer", "testdata", "generic.puffer.json")
	eggPTDL       = filepath.Join("testdata", "echo.ptdl2.json")
	eggPLCN       = filepath.Join("testdata", "echo.plcn1.json")
)

// TestDetect: eggs by meta.version, PufferPanel templates by run with install or data.
func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want Format
	}{
		{"PTDL_v2 egg", read(t, eggPTDL), PTDLv2},
		{"PLCN_v1 egg", read(t, eggPLCN), PLCNv1},
		{"PufferPanel with install", read(t, pufferPaper), PufferPanel},
		{"PufferPanel with data only", []byte(`{"run": {"command": "x"}, "data": {}}`), PufferPanel},
		{"PufferPanel with install only", []byte(`{"run": {}, "install": []}`), PufferPanel},
		{"meta without version is not an egg", []byte(`{"meta": {}, "run": {}, "data": {}}`), PufferPanel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Detect(tt.body)
			if err != nil || got != tt.want {
				t.Errorf("Detect = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestDetectRefusals: what is not a known format is a *templates.SourceError naming "$",
// an egg of another version names meta.version.
func TestDetectRefusals(t *testing.T) {
	tests := []struct {
		name, body, field string
		sentinel          error
	}{
		{"junk", "this is not json", "$", templates.ErrSourceInvalid},
		{"array", `[{"meta": {"version": "PTDL_v2"}}]`, "$", templates.ErrSourceInvalid},
		{"string", `"PTDL_v2"`, "$", templates.ErrSourceInvalid},
		{"null", `null`, "$", templates.ErrSourceInvalid},
		{"empty object", `{}`, "$", templates.ErrSourceInvalid},
		{"run alone", `{"run": {"command": "x"}}`, "$", templates.ErrSourceInvalid},
		{"our own format", `{"name": "x", "run": {"command": "x"}, "variables": {}}`, "$", templates.ErrSourceInvalid},
		{"unknown egg version", `{"meta": {"version": "PTDL_v1"}, "name": "x"}`, "meta.version", templates.ErrSourceUnsupported},
		{"pufferpanel as egg version", `{"meta": {"version": "pufferpanel"}}`, "meta.version", templates.ErrSourceUnsupported},
		{"egg version not text", `{"meta": {"version": 2}}`, "meta.version", templates.ErrSourceInvalid},
		{"too large", `{"run": {}, "data": {}, "x": "` + strings.Repeat("a", MaxSize) + `"}`, "$", templates.ErrSourceInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Detect([]byte(tt.body))
			assertField(t, err, tt.field, tt.sentinel)
			if f != "" {
				t.Errorf("Detect returned format %q with the error", f)
			}
			if _, err := Convert([]byte(tt.body)); !errors.Is(err, tt.sentinel) {
				t.Errorf("Convert: %v, want %v", err, tt.sentinel)
			}
		})
	}
}

// TestConvert: each format goes to its converter; the result is that converter's template,
// its meta as JSON and its notes.
func TestConvert(t *testing.T) {
	for _, path := range []string{eggPTDL, eggPLCN} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw := read(t, path)
			res, err := Convert(raw)
			if err != nil {
				t.Fatal(err)
			}
			tpl, meta, err := egg.Convert(raw)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res, tpl, meta, meta.Format, meta.Notes)
			if res.Template.Run.Command != "./echo --port {{SERVER_PORT}} --greeting {{GREETING}}" {
				t.Errorf("run.command = %q", res.Template.Run.Command)
			}
		})
	}
	for _, path := range []string{pufferPaper, pufferGeneric} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw := read(t, path)
			res, err := Convert(raw)
			if err != nil {
				t.Fatal(err)
			}
			tpl, meta, err := puffer.Convert(raw)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res, tpl, meta, "pufferpanel", meta.Notes)
			if len(res.Notes) == 0 {
				t.Error("the PufferPanel fixtures have notes (the port variable); none returned")
			}
		})
	}
}

func checkResult(t *testing.T, res Result, tpl templates.Template, meta any, format string, notes []string) {
	t.Helper()
	if res.Format != format {
		t.Errorf("Format = %q, want %q", res.Format, format)
	}
	if !reflect.DeepEqual(res.Template, tpl) {
		t.Errorf("Template differs from the converter's:\n%+v\n%+v", res.Template, tpl)
	}
	if !reflect.DeepEqual(res.Notes, notes) {
		t.Errorf("Notes = %q, want %q", res.Notes, notes)
	}
	want, err := json.Marshal(meta)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(res.Meta, &a); err != nil {
		t.Fatalf("Meta is not JSON: %v", err)
	}
	if err := json.Unmarshal(want, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("Meta = %s, want %s", res.Meta, want)
	}
	if !bytes.Contains(res.Meta, []byte(`"format":"`+format+`"`)) {
		t.Errorf("Meta does not name the format %q: %s", format, res.Meta)
	}
	if _, err := templates.Parse(mustJSON(t, res.Template)); err != nil {
		t.Errorf("templates.Parse refuses the result: %v", err)
	}
}

// TestConvertErrors: a converter's refusal comes back as its *templates.SourceError.
func TestConvertErrors(t *testing.T) {
	var d map[string]any
	if err := json.Unmarshal(read(t, pufferPaper), &d); err != nil {
		t.Fatal(err)
	}
	d["install"].([]any)[0].(map[string]any)["type"] = "steamgamedl"
	_, err := Convert(mustJSON(t, d))
	assertField(t, err, "install[0].type", templates.ErrSourceUnsupported)

	var e map[string]any
	if err := json.Unmarshal(read(t, eggPTDL), &e); err != nil {
		t.Fatal(err)
	}
	e["startup"] = ""
	_, err = Convert(mustJSON(t, e))
	assertField(t, err, "startup", templates.ErrSourceInvalid)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
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
