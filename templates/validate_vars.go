package templates

import (
	"fmt"
	"regexp"
	"slices"
	"unicode/utf8"
)

// maxPatternLen bounds a variable's pattern (the API's TemplateVariable.pattern maxLength).
const maxPatternLen = 1024

// validate checks a variable definition (its default is normalised by the loader first). On
// an error it returns the part of the variable at fault ("" for the variable itself, "min",
// "max", "pattern", "default", ...).
func (v Variable) validate(name string) (string, error) {
	if err := CheckVariableName(name); err != nil {
		return "", err
	}
	switch v.Type {
	case TypeString, TypeInteger, TypeBoolean:
		if len(v.Options) > 0 {
			return "options", fmt.Errorf("options are only for type %q", TypeOption)
		}
	case TypeOption:
		if len(v.Options) == 0 {
			return "options", fmt.Errorf("type %q needs options", TypeOption)
		}
	default:
		return "type", fmt.Errorf("unknown type %q", v.Type)
	}
	if sub, err := v.validateBounds(); err != nil {
		return sub, err
	}
	if v.Default == nil {
		return "", nil
	}
	if _, err := v.check(name, v.Default, false); err != nil {
		return "default", err
	}
	return "", nil
}

// CheckVariableName checks a variable's name: letters, digits and '_', not starting with a
// digit, and not one of the Builtins. Validate and the egg converter use it.
func CheckVariableName(name string) error {
	if !varNamePattern.MatchString(name) {
		return fmt.Errorf("name must be letters, digits and '_', not starting with a digit")
	}
	if slices.Contains(Builtins, name) {
		return fmt.Errorf("name is a built-in placeholder")
	}
	return nil
}

// validateBounds checks min, max and pattern: bounds only for integers and strings (min ≤
// max; a string's lengths ≥ 0), a pattern only for strings and one that compiles.
func (v Variable) validateBounds() (string, error) {
	bounded := v.Type == TypeInteger || v.Type == TypeString
	for _, b := range []struct {
		field string
		n     *int64
	}{{"min", v.Min}, {"max", v.Max}} {
		switch {
		case b.n == nil:
		case !bounded:
			return b.field, fmt.Errorf("%s is only for types %q and %q", b.field, TypeInteger, TypeString)
		case v.Type == TypeString && *b.n < 0:
			return b.field, fmt.Errorf("a string length cannot be negative (%d)", *b.n)
		}
	}
	if v.Min != nil && v.Max != nil && *v.Min > *v.Max {
		return "min", fmt.Errorf("min %d is greater than max %d", *v.Min, *v.Max)
	}
	if v.Pattern == "" {
		return "", nil
	}
	if v.Type != TypeString {
		return "pattern", fmt.Errorf("pattern is only for type %q", TypeString)
	}
	if len(v.Pattern) > maxPatternLen {
		return "pattern", fmt.Errorf("at most %d bytes", maxPatternLen)
	}
	if _, err := compilePattern(v.Pattern); err != nil {
		return "pattern", fmt.Errorf("not an RE2 regular expression: %w", err)
	}
	return "", nil
}

// constrain checks a typed value (see check) against min, max and pattern. An empty string
// skips min and pattern: an empty optional value is not checked (Resolve reports an empty
// required one).
func (v Variable) constrain(name string, val any) error {
	switch x := val.(type) {
	case int64:
		if v.Min != nil && x < *v.Min {
			return invalid(name, "%d is below the minimum %d", x, *v.Min)
		}
		if v.Max != nil && x > *v.Max {
			return invalid(name, "%d is above the maximum %d", x, *v.Max)
		}
	case string:
		if v.Type != TypeString || x == "" {
			return nil
		}
		n := int64(utf8.RuneCountInString(x)) // characters, as Laravel's min/max count them in eggs
		if v.Min != nil && n < *v.Min {
			return invalid(name, "must be at least %d characters long (min), not %d", *v.Min, n)
		}
		if v.Max != nil && n > *v.Max {
			return invalid(name, "must be at most %d characters long (max), not %d", *v.Max, n)
		}
		if v.Pattern == "" {
			return nil
		}
		re, err := compilePattern(v.Pattern)
		if err != nil {
			return invalid(name, "the template's pattern does not compile: %v", err)
		}
		if !re.MatchString(x) {
			return invalid(name, "%q does not match the pattern %s", x, v.Pattern)
		}
	}
	return nil
}

// compilePattern compiles a variable's pattern (RE2: linear time, so a tenant's value cannot
// make it slow).
func compilePattern(p string) (*regexp.Regexp, error) { return regexp.Compile(p) }

// joinField appends sub to field ("variables.port" + "pattern"); an empty sub is the field.
func joinField(field, sub string) string {
	if sub == "" {
		return field
	}
	return field + "." + sub
}
