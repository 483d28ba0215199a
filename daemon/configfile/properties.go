package configfile

import (
	"strings"
)

// propertiesKey: the key must be writable without escapes.
func propertiesKey(k string) string {
	switch {
	case strings.ContainsAny(k, " \t\f\r\n=:\\"):
		return "whitespace, '=', ':' or '\\' in a properties key"
	case k[0] == '#' || k[0] == '!':
		return "a properties key cannot start with '#' or '!' (a comment)"
	}
	return ""
}

// editProperties sets keys in a Java .properties file: a key line (also a continued one)
// keeps its key and separator and gets the escaped value; missing keys are appended.
func editProperties(old []byte, sets []Set) ([]byte, error) {
	t := splitText(old)
	last := map[string]string{} // key → value (the last set of a key wins)
	var order []string
	for _, s := range sets {
		if _, ok := last[s.Key]; !ok {
			order = append(order, s.Key)
		}
		last[s.Key] = s.Value
	}
	seen := map[string]bool{}
	open := false // the file ends inside a continued key line
	var out []string
	for i := 0; i < len(t.lines); i++ {
		l := t.lines[i]
		key, at, ok := propertyLine(l)
		end := i
		if ok {
			for continued(t.lines[end]) && end+1 < len(t.lines) {
				end++
			}
			open = continued(t.lines[end]) && end == len(t.lines)-1
		}
		v, set := last[key]
		if !ok || !set {
			out = append(out, t.lines[i:end+1]...)
			i = end
			continue
		}
		prefix := l
		if at >= 0 {
			prefix = l[:at]
		} else {
			prefix += "="
		}
		out = append(out, prefix+escapeProperty(v))
		seen[key] = true
		i = end
	}
	t.lines = out
	for _, k := range order {
		if !seen[k] {
			if open { // an empty line ends the continued line: the new key stays a key
				t.add("")
				open = false
			}
			t.add(k + "=" + escapeProperty(last[k]))
		}
	}
	return t.bytes(), nil
}

// propertyLine parses a key line: the unescaped key and where its value starts (-1: the
// line is the key alone, without a separator). Blank and comment lines are not key lines.
func propertyLine(l string) (key string, at int, ok bool) {
	i := skipSpace(l, 0)
	if i == len(l) || l[i] == '#' || l[i] == '!' {
		return "", 0, false
	}
	var k strings.Builder
	for ; i < len(l); i++ {
		c := l[i]
		if c == '\\' && i+1 < len(l) {
			i++
			k.WriteByte(l[i])
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		k.WriteByte(c)
	}
	if i == len(l) { // "key" alone: an empty value
		return k.String(), -1, true
	}
	i = skipSpace(l, i)
	if i < len(l) && (l[i] == '=' || l[i] == ':') {
		i = skipSpace(l, i+1)
	}
	return k.String(), i, true
}

func skipSpace(l string, i int) int {
	for i < len(l) && (l[i] == ' ' || l[i] == '\t' || l[i] == '\f') {
		i++
	}
	return i
}

// continued reports whether a properties line continues on the next (an odd number of
// trailing backslashes).
func continued(l string) bool {
	n := 0
	for i := len(l) - 1; i >= 0 && l[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// escapeProperty escapes a value as Properties.load reads it back.
func escapeProperty(v string) string {
	var b strings.Builder
	for i, c := range v {
		switch c {
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\f':
			b.WriteString(`\f`)
		case ' ':
			if i == 0 {
				b.WriteString(`\ `)
			} else {
				b.WriteByte(' ')
			}
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}
