package daemon

import (
	"strconv"
	"unicode/utf8"
)

// appendConsoleLine appends l as one JSON line: {"cursor":1,"time":2,"text":"…"}\n.
func appendConsoleLine(b []byte, l ConsoleLine) []byte {
	b = append(b, `{"cursor":`...)
	b = strconv.AppendInt(b, l.Cursor, 10)
	b = append(b, `,"time":`...)
	b = strconv.AppendInt(b, l.Time, 10)
	b = append(b, `,"text":`...)
	b = appendJSONString(b, l.Text)
	return append(b, "}\n"...)
}

// jsonPlain marks the bytes a JSON string holds as they are in valid UTF-8 (no quote,
// backslash or control byte).
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendJSONString appends s as a JSON string, like encoding/json does (invalid UTF-8 becomes
// U+FFFD), without its allocations. The usual console line is copied in one piece.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	if utf8.ValidString(s) {
		start := 0
		for i := 0; i < len(s); i++ {
			if !jsonPlain[s[i]] {
				b = appendEscape(append(b, s[start:i]...), s[i])
				start = i + 1
			}
		}
		return append(append(b, s[start:]...), '"')
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(append(b, s[start:i]...), `\ufffd`...)
				start = i + size
			}
			i += size
			continue
		}
		if !jsonPlain[c] {
			b = appendEscape(append(b, s[start:i]...), c)
			start = i + 1
		}
		i++
	}
	return append(append(b, s[start:]...), '"')
}

// appendEscape appends the JSON escape of an ASCII byte that cannot stand as it is.
func appendEscape(b []byte, c byte) []byte {
	const hex = "0123456789abcdef"
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\n':
		return append(b, `\n`...)
	case '\r':
		return append(b, `\r`...)
	case '\t':
		return append(b, `\t`...)
	}
	return append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
}
