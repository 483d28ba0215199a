package templates

import (
	"errors"
	"strings"
	"testing"
)

// TestValidateVariableRules: min, max, pattern and hidden are checked where they are
// defined, naming variables.<name>.<part>.
func TestValidateVariableRules(t *testing.T) {
	cases := []struct{ name, from, to, field string }{
		{"min above max", `"min":1,"max":100`, `"min":101,"max":100`, "variables.players.min"},
		{"negative string length", `"min":1,"max":20`, `"min":-1,"max":20`, "variables.jar.min"},
		{"negative string max", `"default":"","max":59`, `"default":"","max":-1`, "variables.motd.max"},
		{"min on a boolean", `"hidden":true,"userEditable":false`, `"hidden":true,"min":1`, "variables.hiddenOK.min"},
		{"max on an option", `"players":{"type":"integer","default":20,"min":1,"max":100}`,
			`"players":{"type":"option","options":["a"],"max":3}`, "variables.players.max"},
		{"pattern on an integer", `"min":1,"max":100`, `"min":1,"max":100,"pattern":"^[0-9]+$"`, "variables.players.pattern"},
		{"pattern that does not compile", `"pattern":"^[A-Za-z0-9._-]+$"`, `"pattern":"^[a-z"`, "variables.jar.pattern"},
		{"PCRE-only pattern", `"pattern":"^[A-Za-z0-9._-]+$"`, `"pattern":"^(?!x)"`, "variables.jar.pattern"},
		{"long pattern", `"pattern":"^[A-Za-z0-9._-]+$"`, `"pattern":"` + strings.Repeat("a", 1025) + `"`, "variables.jar.pattern"},
		{"default below min", `"default":20,"min":1`, `"default":0,"min":1`, "variables.players.default"},
		{"default above max", `"default":20,"min":1`, `"default":101,"min":1`, "variables.players.default"},
		{"default too long", `"default":"server.jar"`, `"default":"a-very-long-server-name.jar"`, "variables.jar.default"},
		{"default not matching", `"default":"server.jar"`, `"default":"server jar"`, "variables.jar.default"},
		{"default of wrong type", `"default":20,"min":1`, `"default":"20","min":1`, "variables.players.default"},
		{"default not an option", `"players":{"type":"integer","default":20,"min":1,"max":100}`,
			`"players":{"type":"option","options":["a","b"],"default":"c"}`, "variables.players.default"},
		{"hidden and userEditable", `"hidden":true,"userEditable":false`, `"hidden":true,"userEditable":true`, "variables.hiddenOK.hidden"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expectField(t, richTemplate, c.from, c.to, c.field)
		})
	}
}

// TestResolveBounds: Resolve enforces min, max and pattern with ErrVariableInvalid naming the
// variable and the bound; an empty optional string skips min and pattern.
func TestResolveBounds(t *testing.T) {
	src := strings.Replace(richTemplate, `"motd":{"type":"string","default":"","max":59,"userEditable":true}`,
		`"motd":{"type":"string","min":3,"max":10,"pattern":"[a-z]","userEditable":true},
		 "tag":{"type":"string","required":true,"min":2,"pattern":"^[a-z]+$"}`, 1)
	tpl, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	base := func(kv ...any) map[string]any {
		m := map[string]any{"tag": "ab"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name   string
		values map[string]any
		stored bool
		err    error  // nil: valid
		field  string // the variable named
		bound  string // what the message must mention
	}{
		{name: "within bounds", values: base("players", int64(100), "motd", "hi there", "jar", "a.jar")},
		{name: "lowest integer", values: base("players", 1)},
		{name: "below min", values: base("players", 0), err: ErrVariableInvalid, field: "players", bound: "minimum 1"},
		{name: "above max", values: base("players", 101), err: ErrVariableInvalid, field: "players", bound: "maximum 100"},
		{name: "stored above max", stored: true, values: base("players", "101"), err: ErrVariableInvalid, field: "players", bound: "maximum 100"},
		{name: "string too short", values: base("motd", "hi"), err: ErrVariableInvalid, field: "motd", bound: "at least 3"},
		{name: "string too long", values: base("motd", "hello world"), err: ErrVariableInvalid, field: "motd", bound: "at most 10"},
		{name: "lengths are characters", values: base("motd", "grüße äöüé")}, // 10 characters, 14 bytes
		{name: "too many characters", values: base("motd", "grüße äöüéx"), err: ErrVariableInvalid, field: "motd", bound: "at most 10 characters"},
		{name: "string not matching", values: base("motd", "HELLO"), err: ErrVariableInvalid, field: "motd", bound: "[a-z]"},
		{name: "pattern finds anywhere unless anchored", values: base("motd", "HELLo")},
		{name: "empty optional skips min and pattern", values: base("motd", "")},
		{name: "empty required is required", values: base("tag", ""), err: ErrVariableRequired, field: "tag"},
		{name: "required too short", values: base("tag", "a"), err: ErrVariableInvalid, field: "tag", bound: "at least 2"},
		{name: "required not matching", values: base("tag", "11"), err: ErrVariableInvalid, field: "tag", bound: "^[a-z]+$"},
		{name: "jar pattern", values: base("jar", "a b.jar"), err: ErrVariableInvalid, field: "jar", bound: "pattern"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := tpl.Resolve(c.values, c.stored)
			if c.err == nil {
				if err != nil {
					t.Fatalf("Resolve = %v", err)
				}
				if got["secret"] != "s3cret" {
					t.Errorf("hidden default = %q", got["secret"])
				}
				return
			}
			var ve *VariableError
			if !errors.Is(err, c.err) || !errors.As(err, &ve) || ve.Name != c.field || !strings.Contains(err.Error(), c.bound) {
				t.Fatalf("err = %v, want %v naming %q and %q", err, c.err, c.field, c.bound)
			}
		})
	}
}

// TestHiddenNeverEditable: a hidden variable is neither visible nor editable, whatever the
// command-line default would say; visible ones keep the old rule.
func TestHiddenNeverEditable(t *testing.T) {
	tpl, err := Parse([]byte(richTemplate))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]bool{ // visible, editable
		"secret": {false, false}, "hiddenOK": {false, false}, "motd": {true, true},
		"players": {true, true}, "jar": {true, false}, "nope": {false, false},
	}
	for name, w := range want {
		if v, e := tpl.Visible(name), tpl.UserEditable(name); v != w[0] || e != w[1] {
			t.Errorf("%s: visible %v editable %v, want %v", name, v, e, w)
		}
	}
}
