package egg

import (
	"testing"

	"github.com/skypanel/skypanel/templates"
)

// TestVariableMapping: rules become the variable's type, bounds and pattern; user_viewable
// false makes it hidden and never user-editable (with a note when the egg said editable).
func TestVariableMapping(t *testing.T) {
	for _, tt := range []struct {
		name              string
		rules, def        any
		viewable, editble bool
		check             func(v templates.Variable) bool
		note              string
	}{
		{"string length", "string|min:2|max:3", "abc", true, true,
			func(v templates.Variable) bool {
				return v.Type == "string" && *v.Min == 2 && *v.Max == 3 && v.Default == "abc"
			}, ""},
		{"integer bounds", "integer|between:-5,5", "0", true, true,
			func(v templates.Variable) bool { return v.Type == "integer" && *v.Min == -5 && *v.Max == 5 }, ""},
		{"numeric is an integer", "numeric|min:1", "3", true, true,
			func(v templates.Variable) bool { return v.Type == "integer" && *v.Min == 1 && v.Default == int64(3) }, "variables[0].rules"},
		{"no type is a string", "required|max:9", "abc", true, true,
			func(v templates.Variable) bool { return v.Type == "string" && v.Required && *v.Max == 9 }, ""},
		{"nullable wins over required", "required|nullable|string", "", true, true,
			func(v templates.Variable) bool { return !v.Required }, ""},
		{"list rules", []any{"required", "regex:/^a|b$/"}, "a", true, true,
			func(v templates.Variable) bool { return v.Pattern == "^a|b$" }, ""},
		{"hidden", "string", "x", false, false,
			func(v templates.Variable) bool { return v.Hidden && !*v.UserEditable }, ""},
		{"hidden and editable", "string", "x", false, true,
			func(v templates.Variable) bool { return v.Hidden && !*v.UserEditable }, "variables[0].user_editable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tpl, m, err := Convert(mutate(t, "paper", func(e egg) {
				v := variable(e, 0)
				v["rules"], v["default_value"], v["user_viewable"], v["user_editable"] = tt.rules, tt.def, tt.viewable, tt.editble
			}))
			if err != nil {
				t.Fatal(err)
			}
			if v := tpl.Variables["MINECRAFT_VERSION"]; !tt.check(v) {
				t.Errorf("variable %+v", v)
			}
			if tt.note != "" && !hasNote(m.Notes, tt.note) {
				t.Errorf("no note about %s in %q", tt.note, m.Notes)
			}
		})
	}
}
