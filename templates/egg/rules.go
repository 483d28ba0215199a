package egg

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Rules is a parsed Laravel-style validation rule list, as eggs write it
// ("required|string|max:20"). Min and Max come from min:, max: and between: (a length for
// strings, a value for numbers, as in Laravel).
type Rules struct {
	Required bool     `json:"required,omitempty"`
	Nullable bool     `json:"nullable,omitempty"`
	Kind     string   `json:"kind,omitempty"`  // "string", "integer", "numeric", "boolean" or "" (none given)
	Min      *int64   `json:"min,omitempty"`   // min: or between:'s first bound
	Max      *int64   `json:"max,omitempty"`   // max: or between:'s second bound
	In       []string `json:"in,omitempty"`    // in:a,b
	Regex    string   `json:"regex,omitempty"` // regex:/…/ as written, delimiters included
}

var kinds = map[string]bool{"string": true, "integer": true, "numeric": true, "boolean": true}

// ParseRules parses rules written as one "a|b:c" string. A rule it does not know, or a
// malformed argument, is an error naming the rule.
func ParseRules(s string) (Rules, error) {
	var parts []string
	for len(s) > 0 {
		n := strings.IndexByte(s, '|')
		if strings.HasPrefix(s, "regex:") { // a pattern may contain '|'
			n = regexEnd(s)
		}
		if n < 0 {
			parts = append(parts, s)
			break
		}
		parts = append(parts, s[:n])
		s = s[n+1:]
	}
	return parseRuleList(parts)
}

// regexEnd returns the index of the '|' that ends the regex: rule at the start of s (-1 when
// it runs to the end): the first unescaped closing delimiter followed by flags, then '|'.
func regexEnd(s string) int {
	const start = len("regex:")
	if len(s) < start+2 {
		return -1
	}
	delim := s[start]
	for i := start + 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case delim:
			j := i + 1
			for j < len(s) && strings.IndexByte("imsux", s[j]) >= 0 {
				j++
			}
			if j == len(s) {
				return -1
			}
			if s[j] == '|' {
				return j
			}
		}
	}
	return -1
}

// parseRuleList parses rules given one per element (Pelican's array form).
func parseRuleList(parts []string) (Rules, error) {
	var r Rules
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if err := r.add(p); err != nil {
			return Rules{}, fmt.Errorf("rule %q: %w", p, err)
		}
	}
	return r, nil
}

func (r *Rules) add(rule string) error {
	name, arg, hasArg := strings.Cut(rule, ":")
	switch {
	case name == "required" && !hasArg:
		r.Required = true
	case name == "nullable" && !hasArg:
		r.Nullable = true
	case kinds[name] && !hasArg:
		if r.Kind != "" && r.Kind != name {
			return fmt.Errorf("conflicts with %q", r.Kind)
		}
		r.Kind = name
	case name == "min" || name == "max":
		n, err := strconv.ParseInt(arg, 10, 64)
		if err != nil {
			return fmt.Errorf("%s needs an integer argument", name)
		}
		if name == "min" {
			r.Min = &n
		} else {
			r.Max = &n
		}
	case name == "between":
		lo, hi, ok := strings.Cut(arg, ",")
		a, err1 := strconv.ParseInt(strings.TrimSpace(lo), 10, 64)
		b, err2 := strconv.ParseInt(strings.TrimSpace(hi), 10, 64)
		if !ok || err1 != nil || err2 != nil || a > b {
			return fmt.Errorf("between needs two ordered integers")
		}
		r.Min, r.Max = &a, &b
	case name == "in":
		if arg == "" {
			return fmt.Errorf("in needs values")
		}
		r.In = strings.Split(arg, ",")
	case name == "regex":
		if _, err := compileRegex(arg); err != nil {
			return err
		}
		r.Regex = arg
	default:
		return fmt.Errorf("unknown rule")
	}
	return nil
}

// compileRegex compiles a PHP-style /pattern/flags regular expression (flags i, m, s, u, x
// ignored except i, m, s, which Go has).
func compileRegex(arg string) (*regexp.Regexp, error) {
	if len(arg) < 2 {
		return nil, fmt.Errorf("regex needs /pattern/")
	}
	delim := arg[0]
	end := strings.LastIndexByte(arg, delim)
	if end <= 0 {
		return nil, fmt.Errorf("regex needs a closing %q", string(delim))
	}
	pattern, flags := arg[1:end], arg[end+1:]
	var goFlags string
	for _, f := range flags {
		switch f {
		case 'i', 'm', 's':
			goFlags += string(f)
		case 'u':
		default:
			return nil, fmt.Errorf("regex flag %q is not supported", string(f))
		}
	}
	if goFlags != "" {
		pattern = "(?" + goFlags + ")" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("regex: %w", err)
	}
	return re, nil
}

// allows reports whether value v satisfies the constraints min, max and regex (used to
// check that an in: list implies them).
func (r Rules) allows(v string) bool {
	size := int64(len(v))
	if r.Kind == "integer" || r.Kind == "numeric" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return false
		}
		size = n
	}
	if (r.Min != nil && size < *r.Min) || (r.Max != nil && size > *r.Max) {
		return false
	}
	if r.Regex != "" {
		re, err := compileRegex(r.Regex)
		return err == nil && re.MatchString(v)
	}
	return true
}
