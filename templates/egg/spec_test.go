package egg

import (
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestSpecSchemas: every converted fixture is a valid Template body and every export a
// valid TemplateEgg, by the schemas of openapi.yaml (what the import and ?format=egg
// answers carry).
func TestSpecSchemas(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	check := func(schema string, v any) {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var generic any
		if err := json.Unmarshal(b, &generic); err != nil {
			t.Fatal(err)
		}
		if err := doc.Components.Schemas[schema].Value.VisitJSON(generic); err != nil {
			t.Errorf("%s: %v", schema, err)
		}
	}
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			tpl, m, err := Convert(readFixture(t, name))
			if err != nil {
				t.Fatal(err)
			}
			check("Template", tpl)
			out, err := Export(tpl, m)
			if err != nil {
				t.Fatal(err)
			}
			check("TemplateEgg", json.RawMessage(out))
		})
	}
}
