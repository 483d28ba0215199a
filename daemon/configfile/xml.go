package configfile

import (
	"bytes"
	"fmt"
	"slices"
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

// xmlHeader starts a new XML file.
const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// editXML sets element texts and attributes, one key at a time, splicing the new bytes into
// the file so everything else stays as it was.
func editXML(old []byte, sets []Set) ([]byte, error) {
	doc := slices.Clone(old)
	if len(bytes.TrimSpace(doc)) == 0 {
		doc = []byte(xmlHeader)
	}
	for _, s := range sets {
		els, err := scanXML(doc)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		parts := strings.Split(s.Key, ".")
		attr := ""
		if last := parts[len(parts)-1]; strings.HasPrefix(last, "@") {
			attr, parts = last[1:], parts[:len(parts)-1]
		}
		if doc, err = xmlSet(doc, els, parts, attr, s.Value, s.Key); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// xmlSet sets one key: every element at the path gets the text or attribute; when there is
// none, the missing elements are created under the first deepest existing one.
func xmlSet(doc []byte, els []*xel, parts []string, attr, value, key string) ([]byte, error) {
	var edits []splice
	for _, e := range els {
		if slices.Equal(e.path, parts) {
			edits = append(edits, e.set(doc, attr, value))
		}
	}
	if len(edits) == 0 {
		e, err := xmlCreate(doc, els, parts, attr, value, key)
		if err != nil {
			return nil, err
		}
		edits = append(edits, e)
	}
	for i := len(edits) - 1; i >= 0; i-- { // back to front: earlier offsets stay valid
		doc = edits[i].apply(doc)
	}
	return doc, nil
}

// xmlCreate builds the splice adding the missing part of parts (and attr) to doc.
func xmlCreate(doc []byte, els []*xel, parts []string, attr, value, key string) (splice, error) {
	var parent *xel
	depth := 0
	for _, e := range els {
		if len(e.path) > depth && len(e.path) < len(parts) && slices.Equal(e.path, parts[:len(e.path)]) {
			parent, depth = e, len(e.path)
		}
	}
	frag := xmlFragment(parts[depth:], attr, value)
	if parent != nil {
		return parent.insert(doc, frag), nil
	}
	if len(els) > 0 {
		return splice{}, fmt.Errorf("%w: key %q: the root element is <%s>, not <%s>", ErrKey, key, els[0].name, parts[0])
	}
	at := len(doc)
	if !bytes.HasSuffix(doc, []byte("\n")) {
		frag = "\n" + frag
	}
	return splice{at, at, frag + "\n"}, nil
}

// xmlFragment is the markup of nested new elements names, the last with the text value or
// the attribute attr=value.
func xmlFragment(names []string, attr, value string) string {
	last := names[len(names)-1]
	inner := "<" + last + ">" + escapeXML(value) + "</" + last + ">"
	if attr != "" {
		inner = "<" + last + " " + attr + `="` + escapeXML(value) + `"/>`
	}
	for i := len(names) - 2; i >= 0; i-- {
		inner = "<" + names[i] + ">" + inner + "</" + names[i] + ">"
	}
	return inner
}
