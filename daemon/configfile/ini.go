package configfile

import (
	"fmt"
	"strings"
)

// splitINIKey splits "section.key" at the first dot ("key" alone: top level; "[a.b].key": the
// section in brackets may hold dots). ok is false for a malformed key.
func splitINIKey(k string) (section, key string, ok bool) {
	if strings.HasPrefix(k, "[") {
		end := strings.Index(k, "]")
		if end < 0 || !strings.HasPrefix(k[end+1:], ".") {
			return "", "", false
		}
		section, key = k[1:end], k[end+2:]
		return section, key, section != "" && key != ""
	}
	if i := strings.IndexByte(k, '.'); i >= 0 {
		section, key = k[:i], k[i+1:]
		return section, key, section != "" && key != ""
	}
	return "", k, true
}

// iniKey checks a "section.key" ini key.
func iniKey(k string) string {
	section, key, ok := splitINIKey(k)
	switch {
	case !ok:
		return `expected "key", "section.key" or "[section].key"`
	case strings.ContainsAny(k, "\r\n"):
		return "a line break in the key"
	case strings.ContainsAny(section, "[]"):
		return "brackets in the section name"
	case strings.ContainsAny(key, "=[;#") || strings.TrimSpace(key) != key:
		return "'=', '[', ';', '#' or surrounding spaces in the key"
	}
	return ""
}

// iniLine classifies one line: a section header (its name), a key line (its key and where
// its value starts) or neither.
func iniLine(l string) (section string, isSection bool, key string, at int) {
	s := strings.TrimSpace(l)
	switch {
	case s == "" || s[0] == ';' || s[0] == '#':
		return "", false, "", -1
	case s[0] == '[':
		if end := strings.IndexByte(s, ']'); end > 0 {
			return strings.TrimSpace(s[1:end]), true, "", -1
		}
		return "", false, "", -1
	}
	eq := strings.IndexByte(l, '=')
	if eq < 0 {
		return "", false, "", -1
	}
	at = eq + 1
	for at < len(l) && (l[at] == ' ' || l[at] == '\t') {
		at++
	}
	return "", false, strings.TrimSpace(l[:eq]), at
}

// editINI sets "section.key" keys in an ini file, keeping comments and order.
func editINI(old []byte, sets []Set) ([]byte, error) {
	t := splitText(old)
	for _, s := range sets {
		if strings.ContainsAny(s.Value, "\r\n") {
			return nil, fmt.Errorf("%w: key %q: a line break in the value", ErrInvalid, s.Key)
		}
		section, key, _ := splitINIKey(s.Key)
		iniSet(t, section, key, s.Value)
	}
	return t.bytes(), nil
}

// iniSet sets one key: every occurrence in its section(s) is replaced; a missing key goes
// after the last key of the section's last occurrence, a missing section at the end.
func iniSet(t *text, section, key, value string) {
	cur := ""
	found := false
	sectionAt := -1 // the line after which a missing key goes (top level: -1 = the top)
	for i, l := range t.lines {
		name, isSection, k, at := iniLine(l)
		switch {
		case isSection:
			cur = name
			if cur == section {
				sectionAt = i
			}
		case at >= 0 && cur == section && k == key:
			t.lines[i] = l[:at] + value
			found = true
		case at >= 0 && cur == section:
			sectionAt = i
		}
	}
	switch {
	case found:
	case section == "" || sectionAt >= 0:
		t.insert(sectionAt+1, key+"="+value)
	default:
		if n := len(t.lines); n > 0 && strings.TrimSpace(t.lines[n-1]) != "" {
			t.add("")
		}
		t.add("[" + section + "]")
		t.add(key + "=" + value)
	}
}
