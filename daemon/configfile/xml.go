package configfile

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// xstep is one element of an XML key: a name ("*": any), optionally with the predicate
// [@attr='val'] (the element must have that attribute value; a created element gets it).
type xstep struct {
	name, attr, val string
}

func (s xstep) markup() string {
	if s.attr == "" {
		return s.name
	}
	return s.name + " " + s.attr + `="` + escapeXML(s.val) + `"`
}

// parseXMLKey splits "a.b[@n='x.y'].c.@attr" into element steps and the attribute ("" for
// the text); reason says why a key is malformed.
func parseXMLKey(k string) (steps []xstep, attr, reason string) {
	var parts []string
	depth, quote, start := 0, byte(0), 0
	for i := 0; i < len(k); i++ {
		switch c := k[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case depth > 0 && (c == '\'' || c == '"'):
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '.' && depth == 0:
			parts, start = append(parts, k[start:i]), i+1
		}
	}
	parts = append(parts, k[start:])
	if last := parts[len(parts)-1]; len(parts) > 1 && strings.HasPrefix(last, "@") {
		if attr = last[1:]; !xmlName(attr) {
			return nil, "", fmt.Sprintf("%q is not an attribute name", attr)
		}
		parts = parts[:len(parts)-1]
	}
	for _, p := range parts {
		s, ok := parseXStep(p)
		if !ok {
			return nil, "", fmt.Sprintf("%q is not an element name, optionally with [@attribute='value']"+
				" (an attribute \"@name\" only as the last part, after an element)", p)
		}
		steps = append(steps, s)
	}
	if last := steps[len(steps)-1]; attr != "" && attr == last.attr {
		// Setting it would unmatch the element: every later edit would add another one.
		return nil, "", fmt.Sprintf("@%s is the attribute the last element is selected by", attr)
	}
	return steps, attr, ""
}

// parseXStep parses "name" or "name[@attr='val']" (or "val" in double quotes).
func parseXStep(p string) (xstep, bool) {
	name, pred, found := strings.Cut(p, "[")
	if !xmlName(name) && name != "*" {
		return xstep{}, false
	}
	if !found {
		return xstep{name: name}, true
	}
	pred, ok := strings.CutSuffix(pred, "]")
	attr, val, eq := strings.Cut(pred, "=")
	attr, at := strings.CutPrefix(attr, "@")
	if !ok || !eq || !at || !xmlName(attr) || len(val) < 2 || val[0] != val[len(val)-1] ||
		(val[0] != '\'' && val[0] != '"') || strings.IndexByte(val[1:len(val)-1], val[0]) >= 0 {
		return xstep{}, false
	}
	return xstep{name: name, attr: attr, val: val[1 : len(val)-1]}, true
}

// xmlKey checks an XML key.
func xmlKey(k string) string {
	if strings.ContainsAny(k, "\r\n") {
		return "a line break in the key"
	}
	_, _, reason := parseXMLKey(k)
	return reason
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
		steps, attr, _ := parseXMLKey(s.Key)
		if doc, err = xmlSet(doc, els, steps, attr, s.Value, s.Key); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// xmlSet sets one key: every element at the path gets the text or attribute; when there is
// none, the missing elements are created under the first deepest existing one.
func xmlSet(doc []byte, els []*xel, steps []xstep, attr, value, key string) ([]byte, error) {
	var edits []splice
	for _, e := range els {
		if e.matches(steps) {
			edits = append(edits, e.set(doc, attr, value))
		}
	}
	if len(edits) == 0 && slices.ContainsFunc(steps, func(s xstep) bool { return s.name == "*" }) {
		return doc, nil // a wildcard creates nothing
	}
	if len(edits) == 0 {
		e, err := xmlCreate(doc, els, steps, attr, value, key)
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

// xmlCreate builds the splice adding the missing part of steps (and attr) to doc.
func xmlCreate(doc []byte, els []*xel, steps []xstep, attr, value, key string) (splice, error) {
	var parent *xel
	for _, e := range els {
		if e.depth < len(steps) && (parent == nil || e.depth > parent.depth) && e.matches(steps[:e.depth]) {
			parent = e
		}
	}
	depth := 0
	if parent != nil {
		depth = parent.depth
	}
	frag := xmlFragment(steps[depth:], attr, value)
	if parent != nil {
		return parent.insert(doc, frag), nil
	}
	if len(els) > 0 {
		return splice{}, fmt.Errorf("%w: key %q: the root element is <%s>, not <%s>", ErrKey, key, els[0].name, steps[0].markup())
	}
	at := len(doc)
	if !bytes.HasSuffix(doc, []byte("\n")) {
		frag = "\n" + frag
	}
	return splice{at, at, frag + "\n"}, nil
}

// xmlFragment is the markup of nested new elements, the last with the text value or the
// attribute attr=value.
func xmlFragment(steps []xstep, attr, value string) string {
	last := steps[len(steps)-1]
	inner := "<" + last.markup() + ">" + escapeXML(value) + "</" + last.name + ">"
	if attr != "" {
		inner = "<" + last.markup() + " " + attr + `="` + escapeXML(value) + `"/>`
	}
	for i := len(steps) - 2; i >= 0; i-- {
		inner = "<" + steps[i].markup() + ">" + inner + "</" + steps[i].name + ">"
	}
	return inner
}
