package server

import (
	"errors"
	"testing"

	"gopkg.in/yaml.v3"

	skypanel "github.com/skypanel/skypanel"
)

func TestYAMLToJSON(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"order kept", "b: 1\na: 2\nc: 3\n", `{"b":1,"a":2,"c":3}`},
		{"scalars", "i: 42\nf: 1.5\nt: true\nn: null\ns: '42'\nq: \"yes\"\ne: ~\n",
			`{"i":42,"f":1.5,"t":true,"n":null,"s":"42","q":"yes","e":null}`},
		{"numeric keys are strings", "'200': ok\n404: gone\n", `{"200":"ok","404":"gone"}`},
		{"sequences and nesting", "a:\n- x: [1, two]\n- []\n- {}\n", `{"a":[{"x":[1,"two"]},[],{}]}`},
		{"timestamp stays as written", "d: 2024-01-15\n", `{"d":"2024-01-15"}`},
		{"alias resolved", "a: &v {k: 1}\nb: *v\n", `{"a":{"k":1},"b":{"k":1}}`},
		{"block text", "d: |\n  line <1>\n  line 2\n", `{"d":"line \u003c1\u003e\nline 2\n"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := yamlToJSON([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got %s\nwant %s", got, c.want)
			}
		})
	}
	for _, bad := range []string{"a: [1\n", "<<: {a: 1}\n", "? [a, b]\n: c\n", "f: .nan\n"} {
		if _, err := yamlToJSON([]byte(bad)); !errors.Is(err, ErrSpecConvert) {
			t.Errorf("%q: error %v, want ErrSpecConvert", bad, err)
		}
	}
}

// BenchmarkServedSpecBuild: what the panel does once at start-up for the spec routes (convert
// openapi.yaml to JSON, hash both) against a baseline of parsing the YAML alone.
func BenchmarkServedSpecBuild(b *testing.B) {
	b.Run("yaml.v3 decode only (baseline)", func(b *testing.B) {
		for b.Loop() {
			var v any
			if err := yaml.Unmarshal(skypanel.OpenAPI, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("newSpecDocs", func(b *testing.B) {
		for b.Loop() {
			if _, err := newSpecDocs(skypanel.OpenAPI); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gzip of the JSON (first gzip request)", func(b *testing.B) {
		d, err := newSpecDocs(skypanel.OpenAPI)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			fresh := newStaticDoc(d.json.body, d.json.contentType, cacheSpec)
			if fresh.gzipped() == nil {
				b.Fatal("no gzip")
			}
		}
	})
}
