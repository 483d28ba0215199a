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
		mv, v, err := convertVariable(field, rv)
		if err != nil {
			return err
		}
		if _, dup := t.Variables[mv.EnvVariable]; dup {
			return invalid(field+".env_variable", "%q appears twice", mv.EnvVariable)
		}
		t.Variables[mv.EnvVariable] = v
		m.Variables = append(m.Variables, mv)
	}
	return nil
}

// convertVariable converts one egg variable: its env_variable names the template variable,
// its rules give the type and constraints.
func convertVariable(field string, rv rawVariable) (Variable, templates.Variable, error) {
	mv := Variable{Name: rv.Name, Description: rv.Description, EnvVariable: rv.EnvVariable,
		UserViewable: bool(rv.UserViewable), UserEditable: bool(rv.UserEditable)}
	if rv.DefaultValue != nil {
		mv.DefaultValue = *rv.DefaultValue
	}
	switch {
	case rv.EnvVariable == "":
		return mv, templates.Variable{}, invalid(field+".env_variable", "required")
	case slices.Contains(templates.Builtins, rv.EnvVariable):
		return mv, templates.Variable{}, unsupported(field+".env_variable",
			"%q is a built-in placeholder of templates", rv.EnvVariable)
	case !mv.UserViewable:
		return mv, templates.Variable{}, unsupported(field+".user_viewable",
			"hidden variables are not supported by templates yet (%s)", rv.EnvVariable)
	}
	rules, err := readRules(rv.Rules)
	if err != nil {
		return mv, templates.Variable{}, unsupported(field+".rules", "%v", err)
	}
	mv.Rules = rules
	v, err := express(rules)
	if err != nil {
		return mv, templates.Variable{}, unsupported(field+".rules", "%v", err)
	}
	editable := mv.UserEditable
	v.UserEditable, v.Description = &editable, rv.Description
	if rv.Name != "" && rv.Description != "" {
		v.Description = rv.Name + ": " + rv.Description
	} else if rv.Name != "" {
		v.Description = rv.Name
	}
	if v.Default, err = defaultValue(v, mv.DefaultValue); err != nil {
		return mv, templates.Variable{}, invalid(field+".default_value", "%v", err)
	}
	return mv, v, nil
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

// express maps parsed rules onto a template variable: the type, required, in: as options.
// min, max, between and regex are refused unless an in: list already implies them.
func express(r Rules) (templates.Variable, error) {
	v := templates.Variable{Type: templates.TypeString, Required: r.Required && !r.Nullable}
	switch r.Kind {
	case "integer":
		v.Type = templates.TypeInteger
	case "numeric":
		return v, fmt.Errorf("rule \"numeric\": templates have no decimal numbers yet")
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
	switch {
	case r.Min != nil:
		return v, fmt.Errorf("rule \"min:%d\" (or between): templates have no bounds yet", *r.Min)
	case r.Max != nil:
		return v, fmt.Errorf("rule \"max:%d\": templates have no bounds yet", *r.Max)
	case r.Regex != "":
		return v, fmt.Errorf("rule \"regex:%s\": templates have no patterns yet", r.Regex)
	}
	return v, nil
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
