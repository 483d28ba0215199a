package egg

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/skypanel/skypanel/templates"
)

// booleanOptions are the strings Laravel's boolean rule accepts: a boolean egg variable
// becomes an option variable so the value the game sees is unchanged.
var booleanOptions = []string{"0", "1", "false", "true"}

func convertVariables(t *templates.Template, m *Meta, e *rawEgg) error {
	m.Variables = []Variable{}
	for i, rv := range e.Variables {
		field := fmt.Sprintf("variables[%d]", i)
		v, err := convertVariable(field, rv, m)
		if err != nil {
			return err
		}
		if _, dup := t.Variables[rv.EnvVariable]; dup {
			return invalid(field+".env_variable", "%q appears twice", rv.EnvVariable)
		}
		t.Variables[rv.EnvVariable] = v
		m.Variables = append(m.Variables, Variable{EnvVariable: rv.EnvVariable, Name: rv.Name})
	}
	return nil
}

// convertVariable converts one egg variable: its env_variable names the template variable,
// its rules give the type and constraints, user_viewable false makes it hidden.
func convertVariable(field string, rv rawVariable, m *Meta) (templates.Variable, error) {
	if rv.EnvVariable == "" {
		return templates.Variable{}, invalid(field+".env_variable", "required")
	}
	if err := templates.CheckVariableName(rv.EnvVariable); err != nil {
		return templates.Variable{}, unsupported(field+".env_variable", "%q: a template variable's %v", rv.EnvVariable, err)
	}
	rules, err := readRules(rv.Rules)
	if err != nil {
		return templates.Variable{}, unsupported(field+".rules", "%v", err)
	}
	def := ""
	if rv.DefaultValue != nil {
		def = *rv.DefaultValue
	}
	v, err := express(rules, def)
	if err != nil {
		return templates.Variable{}, unsupported(field+".rules", "%v", err)
	}
	if rules.Kind == "numeric" {
		m.Notes = append(m.Notes, field+".rules: numeric is an integer in the template (decimals are refused)")
	}
	editable := bool(rv.UserEditable)
	if !rv.UserViewable {
		v.Hidden = true
		if editable {
			m.Notes = append(m.Notes, field+".user_editable: "+rv.EnvVariable+
				" is not user_viewable, so users cannot edit it either")
		}
		editable = false
	}
	v.UserEditable = &editable
	v.Description = describe(rv.Name, rv.Description)
	if v.Default, err = defaultValue(v, def); err != nil {
		return templates.Variable{}, invalid(field+".default_value", "%v", err)
	}
	if def != "" && v.Type != templates.TypeOption && !rules.allows(def) {
		return templates.Variable{}, invalid(field+".default_value", "%q breaks the variable's own rules", def)
	}
	return v, nil
}

// describe is the template variable's description: "Name: description" (Export splits it
// again with the name kept in Meta).
func describe(name, description string) string {
	switch {
	case name != "" && description != "":
		return name + ": " + description
	case name != "":
		return name
	}
	return description
}

// readRules reads rules as one "a|b" string (PTDL_v2) or a list of rules (PLCN_v1).
func readRules(raw json.RawMessage) (Rules, error) {
	if isEmpty(raw) {
		return Rules{}, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return ParseRules(s)
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return Rules{}, fmt.Errorf("must be a string or a list of strings")
	}
	return parseRuleList(list)
}

// express maps parsed rules onto a template variable: the type, required, in: as options
// (which then imply the bounds and pattern, checked), min/max as bounds (a value for
// integers, a length for strings), regex and character classes as the pattern.
func express(r Rules, def string) (templates.Variable, error) {
	v := templates.Variable{Type: templates.TypeString, Required: r.Required && !r.Nullable}
	pattern, err := r.Pattern()
	if err != nil {
		return v, err
	}
	switch r.Kind {
	case "integer":
		v.Type = templates.TypeInteger
	case "numeric":
		if _, err := strconv.ParseInt(def, 10, 64); def != "" && err != nil {
			return v, fmt.Errorf("rule \"numeric\": the default %q is not an integer, and templates have no decimal numbers", def)
		}
		v.Type = templates.TypeInteger
	case "boolean":
		v.Type, v.Options = templates.TypeOption, booleanOptions
	}
	if len(r.In) > 0 {
		for _, o := range r.In {
			if !r.allows(o) || (v.Options != nil && !slices.Contains(v.Options, o)) {
				return v, fmt.Errorf("rule \"in\": %q contradicts the other rules", o)
			}
		}
		v.Type, v.Options = templates.TypeOption, r.In
		return v, nil
	}
	if v.Type == templates.TypeOption { // boolean
		switch {
		case r.Min != nil || r.Max != nil:
			return v, fmt.Errorf("rule \"boolean\": min, max and between do not apply to a boolean")
		case pattern != "":
			return v, fmt.Errorf("rule \"boolean\": a pattern does not apply to a boolean")
		}
		return v, nil
	}
	if pattern != "" && v.Type != templates.TypeString {
		return v, fmt.Errorf("rule \"%s\": templates check patterns on strings only", patternRule(r))
	}
	if v.Type == templates.TypeString && ((r.Min != nil && *r.Min < 0) || (r.Max != nil && *r.Max < 0)) {
		return v, fmt.Errorf("rules \"min\"/\"max\": a string length cannot be negative")
	}
	if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
		return v, fmt.Errorf("rules \"min:%d\" and \"max:%d\" contradict each other", *r.Min, *r.Max)
	}
	v.Min, v.Max, v.Pattern = r.Min, r.Max, pattern
	return v, nil
}

func patternRule(r Rules) string {
	if r.Charset != "" {
		return r.Charset
	}
	return "regex:" + r.Regex
}

// defaultValue converts the egg's default (a string) to the variable's type; "" is no default.
func defaultValue(v templates.Variable, s string) (any, error) {
	if s == "" {
		return nil, nil
	}
	switch v.Type {
	case templates.TypeInteger:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", s)
		}
		return n, nil
	case templates.TypeOption:
		if !slices.Contains(v.Options, s) {
			return nil, fmt.Errorf("%q is not one of %v", s, v.Options)
		}
	}
	return s, nil
}
