package configfile

import (
	"bytes"
	"strings"
)

// text is a file as lines, remembering its line ending and whether it ended with one.
type text struct {
	lines []string
	eol   string // "\n" or "\r\n" (when every line ended with CRLF)
	final bool   // the last line ended with eol
}

func splitText(b []byte) *text {
	t := &text{eol: "\n", final: true}
	if len(b) == 0 {
		return t
	}
	crlf := isCRLF(b) // only then is "\r" part of the line ending
	if crlf {
		t.eol = "\r\n"
	}
	s := string(b)
	t.final = strings.HasSuffix(s, "\n")
	s = strings.TrimSuffix(s, t.eol)
	if crlf {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	t.lines = strings.Split(s, "\n")
	return t
}

// isCRLF reports whether b has line breaks and all of them are CRLF.
func isCRLF(b []byte) bool {
	n := bytes.Count(b, []byte("\n"))
	return n > 0 && bytes.Count(b, []byte("\r\n")) == n
}

// withEOL gives out old's line endings: CRLF when every line of old ended with one (out
// written with LF only).
func withEOL(old, out []byte) []byte {
	if !isCRLF(old) {
		return out
	}
	return bytes.ReplaceAll(out, []byte("\n"), []byte("\r\n"))
}

// add appends a line; the file then ends with a line ending.
func (t *text) add(l string) {
	t.lines = append(t.lines, l)
	t.final = true
}

// insert puts l before line i.
func (t *text) insert(i int, l string) {
	t.lines = append(t.lines, "")
	copy(t.lines[i+1:], t.lines[i:])
	t.lines[i] = l
}

func (t *text) bytes() []byte {
	if len(t.lines) == 0 {
		return []byte{}
	}
	s := strings.Join(t.lines, t.eol)
	if t.final {
		s += t.eol
	}
	return []byte(s)
}

// editLines is the "file" parser: for each set in order, every line starting with its key
// becomes its value; when none does, the value is appended as a line.
func editLines(old []byte, sets []Set) ([]byte, error) {
	t := splitText(old)
	for _, s := range sets {
		found := false
		for i, l := range t.lines {
			if strings.HasPrefix(l, s.Key) {
				t.lines[i] = s.Value
				found = true
			}
		}
		if !found {
			t.add(s.Value)
		}
	}
	return t.bytes(), nil
}
