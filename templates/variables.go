package templates

import (
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// maxValueLen bounds a string value (the API's VariableString maxLength).
const maxValueLen = 4096

// Resolve validates values against t's variables and returns the value of every variable of t
// as the string the node substitutes: the given value, else the default, else "" for an
// optional variable. values holds strings, booleans and integers (int, int64, integral float64
// or json.Number) as decoded from a request; with stored, values are the strings Resolve
// returned earlier (integers and booleans are parsed from them).
//
// A name t does not define, a value of the wrong type, not among the options, out of the
// variable's min/max (integers: the value; strings: the length) or not matching its pattern
// is ErrVariableInvalid (an empty optional string skips min and pattern); a required variable with no value (or an empty string) and no default is
// ErrVariableRequired. Errors are *VariableError naming the variable; unknown names are
// reported first, then t's variables in name order.
func (t *Template) Resolve(values map[string]any, stored bool) (map[string]string, error) {
	given := make([]string, 0, len(values))
	for name := range values {
		given = append(given, name)
	}
	sort.Strings(given)
	for _, name := range given {
		if _, ok := t.Variables[name]; !ok {
			return nil, invalid(name, "the template %s has no such variable", t.Name)
		}
	}
	out := make(map[string]string, len(t.Variables))
	for _, name := range t.variableNames() {
		v := t.Variables[name]
		raw, ok := values[name]
		if ok && raw == nil {
			ok = false
		}
		if !ok {
			switch {
			case v.Default != nil:
				out[name] = format(v.Default)
			case v.Required:
				return nil, required(name)
			default:
				out[name] = ""
			}
			continue
		}
		val, err := v.check(name, raw, stored)
		if err != nil {
			return nil, err
		}
		if s, isStr := val.(string); isStr && s == "" && v.Required {
			return nil, required(name)
		}
		out[name] = format(val)
	}
	return out, nil
}

// check validates one value of variable name (type, options, then min, max and pattern) and
// returns it normalised (string, int64, bool).
func (v Variable) check(name string, raw any, stored bool) (any, error) {
	val, err := v.typed(name, raw, stored)
	if err != nil {
		return nil, err
	}
	if err := v.constrain(name, val); err != nil { // validate_vars.go
		return nil, err
	}
	return val, nil
}

// typed checks a value's type (and an option's options) and returns it normalised.
func (v Variable) typed(name string, raw any, stored bool) (any, error) {
	switch v.Type {
	case TypeString, TypeOption:
		s, ok := raw.(string)
		if !ok {
			return nil, invalid(name, "must be a string, not %s", kind(raw))
		}
		if len(s) > maxValueLen || strings.ContainsRune(s, 0) {
			return nil, invalid(name, "must be at most %d bytes without NUL", maxValueLen)
		}
		if v.Type == TypeOption && !(s == "" && !v.Required) && !slices.Contains(v.Options, s) {
			return nil, invalid(name, "%q is not one of %s", s, strings.Join(quote(v.Options), ", "))
		}
		return s, nil
	case TypeInteger:
		if n, ok := integer(raw, stored); ok {
			return n, nil
		}
		return nil, invalid(name, "must be an integer, not %s", kind(raw))
	case TypeBoolean:
		if b, ok := raw.(bool); ok {
			return b, nil
		}
		if s, ok := raw.(string); ok && stored {
			if b, err := strconv.ParseBool(s); err == nil && (s == "true" || s == "false") {
				return b, nil
			}
		}
		return nil, invalid(name, "must be a boolean, not %s", kind(raw))
	}
	return nil, invalid(name, "unknown type %q", v.Type)
}

// integer reads an integer value; stored values may be decimal strings.
func integer(raw any, stored bool) (int64, bool) {
	switch x := raw.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	case string:
		if stored {
			n, err := strconv.ParseInt(x, 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// format renders a normalised value as the substituted string.
func format(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func kind(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case bool:
		return "a boolean"
	case int, int64, float64, json.Number:
		return "a number"
	}
	return "this value"
}

func quote(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}
