package configfile

import (
	"fmt"
	"strings"
	"unicode"
)

// xmlKey checks a dotted XML element path; only the last part may be "@attribute".
func xmlKey(k string) string {
	if r := treeKey(k); r != "" {
		return r
	}
	parts := strings.Split(k, ".")
	for i, p := range parts {
		name := p
		if i == len(parts)-1 && i > 0 {
			name = strings.TrimPrefix(p, "@")
		}
		if !xmlName(name) {
			return fmt.Sprintf("%q is not an XML name (an attribute \"@name\" only as the last part, after an element)", p)
		}
	}
	return ""
}

// xmlName reports whether s is a plain XML name (letters, digits, '_', '-', ':'; not
// starting with a digit, '-' or ':').
func xmlName(s string) bool {
	for i, r := range s {
		ok := unicode.IsLetter(r) || r == '_' || i > 0 && (unicode.IsDigit(r) || r == '-' || r == ':')
		if !ok {
			return false
		}
	}
	return s != ""
}

// editXML is not written yet.
func editXML(old []byte, sets []Set) ([]byte, error) {
	return nil, fmt.Errorf("%w: the xml parser is not available yet", ErrInvalid)
}
