package puffer

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/skypanel/skypanel/templates"
)

// portVariable is the built-in a published port variable becomes.
const portVariable = "SERVER_PORT"

var unsafeVarChar = regexp.MustCompile(`[^A-Za-z0-9_]`)

// convertVariables turns data into the template's variables and returns the placeholder
// names: the variable the docker environment publishes (else one called "port") becomes
// {{SERVER_PORT}}, the server's allocated port; names templates cannot hold are renamed.
func convertVariables(t *templates.Template, m *Meta, src *rawTemplate) (placeholders, error) {
	p := placeholders{names: map[string]string{}, rootDir: &[]string{}}
	ports := portVars(src)
	taken := map[string]string{} // template name → data key
	m.Variables = []Variable{}
	for _, name := range sortedKeys(src.Data) {
		rv := src.Data[name]
		field := "data." + name
		mv, v, note, err := convertVariable(field, name, rv)
		if err != nil {
			return p, err
		}
		if note != "" {
			m.Notes = append(m.Notes, note)
		}
		if len(ports) > 1 && slices.Contains(ports[1:], name) {
			m.Notes = append(m.Notes, fmt.Sprintf("%s: PufferPanel's docker environment publishes it too; "+
				"SkyPanel publishes the ports the panel allocates to the server", field))
		}
		if len(ports) > 0 && name == ports[0] {
			mv.Template = portVariable
			m.Notes = append(m.Notes, fmt.Sprintf("%s: the server's port; the template uses {{%s}} "+
				"(the port the panel allocates) instead of the variable", field, portVariable))
		} else {
			mv.Template = templateName(name)
			if other, dup := taken[mv.Template]; dup {
				return p, invalid(field, "becomes the variable %s, as %s does", mv.Template, other)
			}
			if slices.Contains(templates.Builtins, mv.Template) {
				return p, unsupported(field, "%s is a built-in placeholder of templates", mv.Template)
			}
			if mv.Template != name {
				m.Notes = append(m.Notes, fmt.Sprintf("%s: renamed to %s (templates allow letters, digits and '_')",
					field, mv.Template))
			}
			taken[mv.Template] = name
			t.Variables[mv.Template] = v
		}
		p.names[name] = mv.Template
		m.Variables = append(m.Variables, mv)
	}
	return p, nil
}

// portVars returns the data keys a docker environment's portBindings publish, in order,
// else a variable called "port". The first becomes the server's port.
func portVars(src *rawTemplate) []string {
	var out []string
	for _, e := range environments(src) {
		for _, b := range e.PortBindings {
			for _, m := range token.FindAllStringSubmatch(b, -1) {
				if _, ok := src.Data[m[1]]; ok && !slices.Contains(out, m[1]) {
					out = append(out, m[1])
				}
			}
		}
	}
	if _, ok := src.Data["port"]; ok && len(out) == 0 {
		out = append(out, "port")
	}
	return out
}

// templateName is the variable name templates use for the data key name.
func templateName(name string) string {
	s := unsafeVarChar.ReplaceAllString(name, "_")
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		s = "_" + s
	}
	return s
}

// convertVariable converts one data entry: type, value (the default), options, required,
// desc; internal makes it hidden, userEdit user-editable. A string, integer or boolean with
// options becomes an option variable (PufferPanel offers the list whatever the type); the
// returned note says so.
func convertVariable(field, name string, rv rawVar) (Variable, templates.Variable, string, error) {
	typ := rv.Type
	if typ == "" {
		typ = templates.TypeString
	}
	mv := Variable{Name: name, Display: rv.Display, Type: typ, Internal: rv.Internal, UserEdit: rv.UserEdit}
	editable := rv.UserEdit && !rv.Internal
	v := templates.Variable{Type: typ, Required: rv.Required, Description: strings.TrimSpace(rv.Desc),
		Hidden: rv.Internal, UserEditable: &editable}
	var note string
	switch typ {
	case templates.TypeString, templates.TypeInteger, templates.TypeBoolean:
		if len(rv.Options) > 0 {
			v.Type = templates.TypeOption
			note = fmt.Sprintf("%s: type %s with options becomes an option variable (the value is one of the options)", field, typ)
		}
	case templates.TypeOption:
		if len(rv.Options) == 0 {
			return mv, v, "", invalid(field+".options", "an option variable needs options")
		}
	default:
		return mv, v, "", unsupported(field+".type", "%q is not a variable type templates know (%s)", typ,
			strings.Join([]string{templates.TypeString, templates.TypeInteger, templates.TypeBoolean, templates.TypeOption}, ", "))
	}
	if err := convertOptions(field, rv.Options, &mv, &v); err != nil {
		return mv, v, "", err
	}
	def, err := defaultValue(v.Type, rv.Value)
	if err != nil {
		return mv, v, "", invalid(field+".value", "%v", err)
	}
	mv.Value, v.Default = def, def
	if v.Type == templates.TypeOption && def != nil && !slices.Contains(v.Options, def.(string)) {
		return mv, v, "", invalid(field+".value", "%q is not one of the options", def)
	}
	return mv, v, note, nil
}

// convertOptions reads the options' values as text (an empty value is allowed: an optional
// variable may be left empty) and keeps their display names in the meta.
func convertOptions(field string, opts []rawOption, mv *Variable, v *templates.Variable) error {
	for i, o := range opts {
		f := fmt.Sprintf("%s.options[%d].value", field, i)
		s, err := scalar(o.Value)
		if err != nil {
			return invalid(f, "must be a string, number or boolean")
		}
		if slices.Contains(v.Options, s) {
			return invalid(f, "%q appears twice", s)
		}
		v.Options = append(v.Options, s)
		mv.Options = append(mv.Options, Option{Value: s, Display: o.Display})
	}
	return nil
}

// defaultValue reads value as PufferPanel does for the type (numbers and booleans may be
// written as strings); an empty or absent value is no default.
func defaultValue(typ string, raw json.RawMessage) (any, error) {
	s, err := scalar(raw)
	if err != nil {
		return nil, err
	}
	if s == "" {
		return nil, nil
	}
	switch typ {
	case templates.TypeInteger:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", s)
		}
		return n, nil
	case templates.TypeBoolean:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a boolean", s)
		}
		return b, nil
	}
	return s, nil
}

// scalar reads a string, number or boolean as text (null and absent: "").
func scalar(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", err
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case float64, bool:
		return strings.TrimSpace(string(raw)), nil
	}
	return "", fmt.Errorf("must be a string, number or boolean")
}
