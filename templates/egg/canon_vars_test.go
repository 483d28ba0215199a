package egg

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

var wingsLegacy = strings.NewReplacer("{{env.SERVER_PORT}}", "{{server.build.default.port}}",
	"{{env.SERVER_IP}}", "{{server.build.default.ip}}", "{{env.SERVER_MEMORY}}", "{{server.build.memory}}",
	"{{server.build.env.SERVER_PORT}}", "{{server.build.default.port}}",
	"{{server.build.env.SERVER_IP}}", "{{server.build.default.ip}}",
	"{{server.build.env.SERVER_MEMORY}}", "{{server.build.memory}}")

var bracketIndex = regexp.MustCompile(`\[(\d+)\]`)

// canonicalFiles is config.files as (file, parser, key, value) rows in the egg's order.
func canonicalFiles(t *testing.T, raw json.RawMessage) [][4]string {
	in, err := inner(raw)
	if err != nil {
		t.Fatal(err)
	}
	rows := [][4]string{}
	if isEmpty(in) {
		return rows
	}
	files, err := members(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		var spec struct {
			Parser string          `json:"parser"`
			Find   json.RawMessage `json:"find"`
		}
		decode(t, f.Value, &spec)
		if spec.Parser == "yml" {
			spec.Parser = "yaml"
		}
		if isEmpty(spec.Find) {
			continue
		}
		finds, err := members(spec.Find)
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range finds {
			key, value := kv.Key, wingsLegacy.Replace(text(t, kv.Value))
			value = wingsEnv.ReplaceAllString(value, "{{server.build.env.$1}}")
			switch spec.Parser {
			case "yaml", "json":
				key = bracketIndex.ReplaceAllString(key, ".$1")
			case "ini":
				key = strings.NewReplacer("[", "", "]", "").Replace(key)
			}
			rows = append(rows, [4]string{f.Key, spec.Parser, key, value})
		}
	}
	return rows
}

// canonicalVar is one variable in canonical form.
type canonicalVar struct {
	Name, Description, EnvVariable, DefaultValue string
	UserViewable, UserEditable                   bool
	Rules                                        canonicalRules
}

type canonicalRules struct {
	Required       bool
	Kind           string
	Min, Max       int64 // -1: none
	In             string
	Pattern        string
	HasMin, HasMax bool
}

func canonicalVariables(t *testing.T, raw json.RawMessage) []canonicalVar {
	var vars []map[string]json.RawMessage
	decode(t, raw, &vars)
	out := []canonicalVar{}
	for _, v := range vars {
		viewable, editable := truthy(t, v["user_viewable"]), truthy(t, v["user_editable"])
		out = append(out, canonicalVar{Name: text(t, v["name"]), Description: text(t, v["description"]),
			EnvVariable: text(t, v["env_variable"]), DefaultValue: text(t, v["default_value"]),
			UserViewable: viewable, UserEditable: viewable && editable, Rules: canonicalRulesOf(t, v["rules"])})
	}
	return out
}

func truthy(t *testing.T, raw json.RawMessage) bool {
	s := text(t, raw)
	return s == "true" || s == "1"
}

func canonicalRulesOf(t *testing.T, raw json.RawMessage) canonicalRules {
	t.Helper()
	r, err := readRules(raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.Pattern()
	if err != nil {
		t.Fatal(err)
	}
	c := canonicalRules{Required: r.Required && !r.Nullable, Kind: r.Kind, Pattern: p, In: strings.Join(r.In, ",")}
	switch {
	case c.In != "":
		c.Kind, c.Pattern = "", ""
		return c
	case c.Kind == "numeric":
		c.Kind = "integer"
	case c.Kind == "":
		c.Kind = "string"
	}
	if r.Min != nil {
		c.Min, c.HasMin = *r.Min, true
	}
	if r.Max != nil {
		c.Max, c.HasMax = *r.Max, true
	}
	return c
}
