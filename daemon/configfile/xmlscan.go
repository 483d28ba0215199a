package configfile

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// xel is one element of an XML file and where its tags are.
type xel struct {
	name        string     // as written, with its prefix
	attrs       []xml.Attr // names as written, values unescaped
	parent      *xel       // nil for the root
	depth       int        // 1 for the root
	start, body int        // the start tag is doc[start:body]
	end, close  int        // the end tag is doc[end:close] (end == close == body when self-closing)
	selfClosing bool
}

// matches reports whether e is at the path steps (from the root).
func (e *xel) matches(steps []xstep) bool {
	if e.depth != len(steps) {
		return false
	}
	for i := len(steps) - 1; i >= 0; i, e = i-1, e.parent {
		s := steps[i]
		if s.name != "*" && e.name != s.name || s.attr != "" && !e.has(s.attr, s.val) {
			return false
		}
	}
	return true
}

// has reports whether e has the attribute name with value val.
func (e *xel) has(name, val string) bool {
	for _, a := range e.attrs {
		if rawName(a.Name) == name && a.Value == val {
			return true
		}
	}
	return false
}

// splice replaces doc[from:to] with text.
type splice struct {
	from, to int
	text     string
}

func (s splice) apply(doc []byte) []byte {
	out := make([]byte, 0, len(doc)+len(s.text))
	out = append(out, doc[:s.from]...)
	out = append(out, s.text...)
	return append(out, doc[s.to:]...)
}

// scanXML lists doc's elements in document order, checking that it is well formed.
func scanXML(doc []byte) ([]*xel, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var all, stack []*xel
	for {
		off := int(d.InputOffset())
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			e := &xel{name: rawName(t.Name), attrs: slices.Clone(t.Attr), start: off, body: int(d.InputOffset()), depth: 1}
			e.selfClosing = bytes.HasSuffix(doc[off:e.body], []byte("/>"))
			if len(stack) > 0 {
				e.parent = stack[len(stack)-1]
				e.depth = e.parent.depth + 1
			} else if len(all) > 0 {
				return nil, fmt.Errorf("a second root element <%s> at byte %d", e.name, off)
			}
			all, stack = append(all, e), append(stack, e)
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1].name != rawName(t.Name) {
				return nil, fmt.Errorf("unexpected </%s> at byte %d", rawName(t.Name), off)
			}
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			e.end, e.close = e.body, e.body
			if !e.selfClosing {
				e.end, e.close = off, int(d.InputOffset())
			}
		case xml.CharData:
			if len(stack) == 0 && len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("text outside the root element at byte %d", off)
			}
		}
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("<%s> is never closed", stack[len(stack)-1].name)
	}
	return all, nil
}

func rawName(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

func escapeXML(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// set is the splice giving e the text value (its content replaced) or the attribute attr.
func (e *xel) set(doc []byte, attr, value string) splice {
	tag := string(doc[e.start:e.body])
	if attr != "" {
		from, to, ok := findAttr(tag, attr)
		if ok {
			return splice{e.start + from, e.start + to, escapeXML(value)}
		}
		at := tagEnd(tag)
		return splice{e.start + at, e.start + at, " " + attr + `="` + escapeXML(value) + `"`}
	}
	if e.selfClosing {
		return splice{e.start, e.body, tag[:tagEnd(tag)] + ">" + escapeXML(value) + "</" + e.name + ">"}
	}
	return splice{e.body, e.end, escapeXML(value)}
}

// insert is the splice adding the markup frag as e's last child, indented like its siblings
// when e's end tag is on a line of its own.
func (e *xel) insert(doc []byte, frag string) splice {
	if e.selfClosing {
		tag := string(doc[e.start:e.body])
		return splice{e.start, e.body, tag[:tagEnd(tag)] + ">" + frag + "</" + e.name + ">"}
	}
	line := bytes.LastIndexByte(doc[:e.end], '\n') + 1
	indent := string(doc[line:e.end])
	if line == 0 || strings.Trim(indent, " \t") != "" {
		return splice{e.end, e.end, frag}
	}
	eol := "\n"
	if line >= 2 && doc[line-2] == '\r' {
		eol = "\r\n"
	}
	return splice{line, line, indent + indentUnit(doc) + frag + eol}
}

// indentUnit guesses one level of a document's indentation: the blanks starting its first
// indented line (two spaces when none is).
func indentUnit(doc []byte) string {
	for _, l := range strings.Split(string(doc), "\n") {
		if ind := l[:len(l)-len(strings.TrimLeft(l, " \t"))]; ind != "" && ind != l {
			return ind
		}
	}
	return "  "
}

// tagEnd is where a start tag's attributes end: before the blanks and the "/>" or ">".
func tagEnd(tag string) int {
	i := len(tag) - 1
	if strings.HasSuffix(tag, "/>") {
		i--
	}
	return len(strings.TrimRight(tag[:i], " \t\r\n"))
}

// findAttr finds the value of attribute name in a well-formed start tag: tag[from:to] is
// the text between its quotes.
func findAttr(tag, name string) (from, to int, ok bool) {
	i := strings.IndexAny(tag, " \t\r\n/>") // after the element name
	for i >= 0 && i < len(tag) {
		for i < len(tag) && strings.IndexByte(" \t\r\n", tag[i]) >= 0 {
			i++
		}
		if i >= len(tag) || tag[i] == '/' || tag[i] == '>' {
			return 0, 0, false
		}
		eq := strings.IndexByte(tag[i:], '=') + i
		attr := strings.TrimRight(tag[i:eq], " \t\r\n")
		q := strings.IndexAny(tag[eq:], `"'`) + eq
		closeQ := strings.IndexByte(tag[q+1:], tag[q]) + q + 1
		if attr == name {
			return q + 1, closeQ, true
		}
		i = closeQ + 1
	}
	return 0, 0, false
}
