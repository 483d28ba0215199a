package egg

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Rules is a parsed Laravel-style validation rule list, as eggs write it
// ("required|string|max:20"). Min and Max come from min:, max: and between: (a length for
// strings, a value for numbers, as in Laravel).
type Rules struct {
	Required bool     `json:"required,omitempty"`
	Nullable bool     `json:"nullable,omitempty"`
	Kind     string   `json:"kind,omitempty"`    // "string", "integer", "numeric", "boolean" or "" (none given)
	Min      *int64   `json:"min,omitempty"`     // min: or between:'s first bound
	Max      *int64   `json:"max,omitempty"`     // max: or between:'s second bound
	In       []string `json:"in,omitempty"`      // in:a,b
	Regex    string   `json:"regex,omitempty"`   // regex:/…/flags as written, delimiters included
	Charset  string   `json:"charset,omitempty"` // alpha, alpha_num or alpha_dash
}

// charsetREs are charsets compiled once (Unicode classes are slow to compile).
var charsetREs = func() map[string]*regexp.Regexp {
	m := map[string]*regexp.Regexp{}
	for name, p := range charsets {
		m[name] = regexp.MustCompile(p)
	}
	return m
}()

var kinds = map[string]bool{"string": true, "integer": true, "numeric": true, "boolean": true}

// charsets are Laravel's character-class rules and the RE2 pattern each means (Laravel's own
// expressions: letters and marks, plus numbers, plus '-' and '_'). Export maps them back.
var charsets = map[string]string{
	"alpha":      `\A[\pL\pM]+\z`,
	"alpha_num":  `\A[\pL\pM\pN]+\z`,
	"alpha_dash": `\A[\pL\pM\pN_-]+\z`,
}

// ParseRules parses rules written as one "a|b:c" string. A rule it does not know, or a
// malformed argument, is an error naming the rule.
func ParseRules(s string) (Rules, error) {
	var parts []string
	for len(s) > 0 {
		n := strings.IndexByte(s, '|')
		if strings.HasPrefix(strings.TrimSpace(s), "regex:") { // a pattern may contain '|'
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
// it runs to the end): the first unescaped closing delimiter, its flags, then '|'.
func regexEnd(s string) int {
	start := strings.Index(s, "regex:") + len("regex:")
	if len(s) < start+2 {
		return -1
	}
	end := closingDelimiter(s[start:])
	if end < 0 {
		return -1
	}
	j := start + end + 1
	for j < len(s) && s[j] != '|' {
		j++
	}
	if j == len(s) {
		return -1
	}
	return j
}

// closingDelimiter returns the index in arg ("/pattern/flags") of the first unescaped
// delimiter after the opening one, -1 when there is none.
func closingDelimiter(arg string) int {
	delim := arg[0]
	for i := 1; i < len(arg); i++ {
		switch arg[i] {
		case '\\':
			i++
		case delim:
			return i
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
	case charsets[name] != "" && !hasArg:
		if r.Charset != "" && r.Charset != name {
			return fmt.Errorf("conflicts with %q", r.Charset)
		}
		r.Charset = name
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
		if _, err := translateRegex(arg); err != nil {
			return err
		}
		r.Regex = arg
	default:
		return fmt.Errorf("unknown rule")
	}
	return nil
}

// Pattern is the RE2 expression the regex or character-class rule means ("" for none).
func (r Rules) Pattern() (string, error) {
	switch {
	case r.Regex != "" && r.Charset != "":
		return "", fmt.Errorf("rule %q: a variable has one pattern; it cannot also be %s", "regex:"+r.Regex, r.Charset)
	case r.Charset != "":
		return charsets[r.Charset], nil
	case r.Regex != "":
		return translateRegex(r.Regex)
	}
	return "", nil
}

// reMeta are the characters that stay escaped when they are the delimiter.
const reMeta = `\.+*?()|[]{}^$`

// translateRegex turns PHP's /pattern/flags (preg_match, as Laravel's regex rule uses it)
// into an RE2 expression: any non-alphanumeric delimiter but brackets, "\<delimiter>"
// unescaped, flags i, m and s as a (?ims) prefix, u and D dropped (RE2 works on UTF-8 and
// its $ is already the end of the text); other flags and what RE2 cannot compile are errors.
func translateRegex(arg string) (string, error) {
	if len(arg) < 2 {
		return "", fmt.Errorf("regex needs /pattern/")
	}
	delim := arg[0]
	if delim < 0x21 || delim > 0x7e || delim == '\\' || isAlnum(delim) || strings.IndexByte("([{<", delim) >= 0 {
		return "", fmt.Errorf("regex delimiter %q is not supported (use / or another punctuation character)", string(delim))
	}
	end := closingDelimiter(arg)
	if end < 0 {
		return "", fmt.Errorf("regex needs a closing %q", string(delim))
	}
	var goFlags string
	for _, f := range arg[end+1:] {
		switch f {
		case 'i', 'm', 's':
			if !strings.ContainsRune(goFlags, f) {
				goFlags += string(f)
			}
		case 'u', 'D':
		default:
			return "", fmt.Errorf("regex flag %q is not supported", string(f))
		}
	}
	body := arg[1:end]
	if strings.IndexByte(reMeta, delim) < 0 {
		body = strings.ReplaceAll(body, `\`+string(delim), string(delim))
	}
	if goFlags != "" {
		body = "(?" + goFlags + ")" + body
	}
	if _, err := regexp.Compile(body); err != nil {
		return "", fmt.Errorf("regex: RE2 cannot compile it: %w", err)
	}
	return body, nil
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// allows reports whether value v satisfies the constraints min, max and pattern (used to
// check that an in: list or a default satisfies them). Sizes are characters for strings,
// values for numbers, as in Laravel.
func (r Rules) allows(v string) bool {
	size := int64(utf8.RuneCountInString(v))
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
	switch {
	case r.Regex != "" && r.Charset != "":
		return false
	case r.Charset != "":
		return charsetREs[r.Charset].MatchString(v)
	case r.Regex != "":
		p, err := translateRegex(r.Regex)
		return err == nil && regexp.MustCompile(p).MatchString(v)
	}
	return true
}
