package egg

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/skypanel/skypanel/templates"
)

// outVariable is one exported variable; rules are "a|b" (PTDL_v2) or a list (PLCN_v1).
type outVariable struct {
	Name         string `json:"name"`
	Description  string `json:"description"`
	EnvVariable  string `json:"env_variable"`
	DefaultValue string `json:"default_value"`
	UserViewable bool   `json:"user_viewable"`
	UserEditable bool   `json:"user_editable"`
	Rules        any    `json:"rules"`
	FieldType    string `json:"field_type,omitempty"`
	Sort         int    `json:"sort,omitempty"`
}

// leadingFlags is an RE2 flag group at the start of a pattern, written as PHP flags.
var leadingFlags = regexp.MustCompile(`^\(\?([ims]+)\)`)

// exportVariables writes the template's variables in the egg's order (m.Variables), then
// any the egg did not have, by name.
func exportVariables(t templates.Template, m Meta, plcn bool) ([]outVariable, error) {
	var names []string
	display := map[string]string{}
	for _, mv := range m.Variables {
		if _, ok := t.Variables[mv.EnvVariable]; ok && display[mv.EnvVariable] == "" {
			names = append(names, mv.EnvVariable)
			display[mv.EnvVariable] = mv.Name
		}
	}
	var rest []string
	for name := range t.Variables {
		if !slices.Contains(names, name) {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	out := make([]outVariable, 0, len(t.Variables))
	for i, name := range append(names, rest...) {
		v := t.Variables[name]
		rules, err := rulesOf(v)
		if err != nil {
			return nil, notExportable("variables."+name, "%v", err)
		}
		ov := outVariable{Name: display[name], EnvVariable: name, DefaultValue: defaultString(v.Default),
			UserViewable: !v.Hidden, UserEditable: !v.Hidden && t.UserEditable(name), Rules: strings.Join(rules, "|"),
			Description: splitDescription(display[name], v.Description)}
		if i >= len(names) { // not from the egg
			ov.Name = name
		}
		if plcn {
			ov.Rules, ov.Sort = rules, i+1
		} else {
			ov.FieldType = "text"
		}
		out = append(out, ov)
	}
	return out, nil
}

// splitDescription undoes describe: the egg's description without its name.
func splitDescription(name, description string) string {
	switch {
	case name == "":
		return description
	case description == name:
		return ""
	}
	if d, ok := strings.CutPrefix(description, name+": "); ok {
		return d
	}
	return description
}

// defaultString is a default as eggs write it (a string; "" for none).
func defaultString(d any) string {
	switch x := d.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "1"
		}
		return "0"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	}
	return fmt.Sprint(d)
}

// rulesOf regenerates Laravel rules from a template variable: required or nullable, the type
// (boolean for the boolean options, integer for integer options, else string), min/max or
// between, the pattern (a character-class rule when it is one, else regex:/…/flags), in:.
func rulesOf(v templates.Variable) ([]string, error) {
	rules := []string{"nullable"}
	if v.Required {
		rules[0] = "required"
	}
	switch v.Type {
	case templates.TypeString:
		rules = append(rules, "string")
	case templates.TypeInteger:
		rules = append(rules, "integer")
	case templates.TypeBoolean:
		rules = append(rules, "boolean")
	case templates.TypeOption:
		if slices.Equal(v.Options, booleanOptions) {
			return append(rules, "boolean"), nil
		}
		kind := "integer"
		for _, o := range v.Options {
			if strings.ContainsAny(o, ",|") {
				return nil, fmt.Errorf("option %q: an in: rule cannot hold ',' or '|'", o)
			}
			if _, err := strconv.ParseInt(o, 10, 64); err != nil {
				kind = "string"
			}
		}
		return append(rules, kind, "in:"+strings.Join(v.Options, ",")), nil
	}
	switch {
	case v.Min != nil && v.Max != nil:
		rules = append(rules, fmt.Sprintf("between:%d,%d", *v.Min, *v.Max))
	case v.Min != nil:
		rules = append(rules, fmt.Sprintf("min:%d", *v.Min))
	case v.Max != nil:
		rules = append(rules, fmt.Sprintf("max:%d", *v.Max))
	}
	if v.Pattern != "" {
		rules = append(rules, patternRuleOf(v.Pattern))
	}
	return rules, nil
}

// patternRuleOf writes an RE2 pattern as a rule: a character-class rule when it is one,
// else regex:/…/flags with '/' escaped and a leading (?flags) group as PHP flags.
func patternRuleOf(p string) string {
	for name, cs := range charsets {
		if p == cs {
			return name
		}
	}
	var flags string
	if m := leadingFlags.FindStringSubmatch(p); m != nil {
		flags, p = m[1], p[len(m[0]):]
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			b.WriteByte('\\')
			if i+1 < len(p) {
				i++
				b.WriteByte(p[i])
			}
			continue
		case '/':
			b.WriteByte('\\')
		}
		b.WriteByte(p[i])
	}
	return "regex:/" + b.String() + "/" + flags
}
