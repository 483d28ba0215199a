package configfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// jnode is a JSON value that keeps the order of object keys.
type jnode struct {
	kind byte     // '{' object, '[' array, 0 scalar
	keys []string // object keys, parallel to vals
	vals []*jnode // object values or array elements
	raw  []byte   // a scalar's JSON text
}

func (n *jnode) isNull() bool { return n.kind == 0 && string(n.raw) == "null" }

// editJSON sets dotted paths in a JSON document (an empty or missing file is {}).
func editJSON(old []byte, sets []Set) ([]byte, error) {
	root := &jnode{kind: '{'}
	if len(bytes.TrimSpace(old)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(old))
		dec.UseNumber()
		var err error
		if root, err = decodeJSON(dec); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, fmt.Errorf("%w: data after the JSON value", ErrMalformed)
		}
	}
	for _, s := range sets {
		if err := root.set(strings.Split(s.Key, "."), jsonValue(s.Value), s.Key); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	indent := jsonIndent(old)
	root.write(&b, indent, "")
	if len(old) == 0 || bytes.HasSuffix(old, []byte("\n")) {
		b.WriteByte('\n')
	}
	return withEOL(old, b.Bytes()), nil
}

// decodeJSON reads one value from dec's token stream.
func decodeJSON(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch tok := tok.(type) {
	case json.Delim:
		n := &jnode{kind: byte(tok)}
		for dec.More() {
			if n.kind == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
			}
			v, err := decodeJSON(dec)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		return &jnode{raw: jsonString(tok)}, nil
	case json.Number:
		return &jnode{raw: []byte(tok)}, nil
	case bool:
		return &jnode{raw: []byte(strconv.FormatBool(tok))}, nil
	default: // nil
		return &jnode{raw: []byte("null")}, nil
	}
}

func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// jsonValue is the node a value is written as: a number, true, false or null as such,
// anything else as a string.
func jsonValue(v string) *jnode {
	if v != "" && strings.TrimSpace(v) == v {
		dec := json.NewDecoder(strings.NewReader(v))
		dec.UseNumber()
		var x any
		if dec.Decode(&x) == nil && !dec.More() && dec.InputOffset() == int64(len(v)) {
			switch x.(type) {
			case json.Number, bool, nil:
				return &jnode{raw: []byte(v)}
			}
		}
	}
	return &jnode{raw: jsonString(v)}
}

// set puts val at the path parts below n (key is the whole path, for errors).
func (n *jnode) set(parts []string, val *jnode, key string) error {
	if len(parts) == 0 {
		*n = *val
		return nil
	}
	p, rest := parts[0], parts[1:]
	switch {
	case n.isNull() && p == "*":
		return nil
	case n.isNull():
		*n = jnode{kind: '{'}
	}
	switch {
	case n.kind == 0:
		return fmt.Errorf("%w: key %q: %q is not an object or a list", ErrKey, key, p)
	case p == "*":
		for _, c := range n.vals {
			if err := c.set(rest, val, key); err != nil {
				return err
			}
		}
		return nil
	case n.kind == '[':
		i, err := strconv.Atoi(p)
		if err != nil || i < 0 || i >= len(n.vals) {
			return fmt.Errorf("%w: key %q: %q is not an index of a list of %d", ErrKey, key, p, len(n.vals))
		}
		return n.vals[i].set(rest, val, key)
	}
	found := false
	for i, k := range n.keys {
		if k == p {
			found = true
			if err := n.vals[i].set(rest, val, key); err != nil {
				return err
			}
		}
	}
	if found || hasWildcard(rest) {
		return nil
	}
	c := &jnode{kind: '{'}
	n.keys, n.vals = append(n.keys, p), append(n.vals, c)
	return c.set(rest, val, key)
}

func hasWildcard(parts []string) bool {
	for _, p := range parts {
		if p == "*" {
			return true
		}
	}
	return false
}

// jsonIndent guesses a document's indentation: the leading blanks of its first indented
// line; "" (compact) for a one-line document, two spaces for a new one.
func jsonIndent(old []byte) string {
	s := strings.TrimSpace(string(old))
	if s == "" {
		return "  "
	}
	i := strings.IndexByte(s, '\n')
	if i < 0 {
		return ""
	}
	line := strings.TrimRight(s[i+1:], "\r")
	if ind := line[:len(line)-len(strings.TrimLeft(line, " \t"))]; ind != "" {
		return ind
	}
	return "  "
}

// write prints n; indent "" writes compact JSON.
func (n *jnode) write(b *bytes.Buffer, indent, prefix string) {
	if n.kind == 0 {
		b.Write(n.raw)
		return
	}
	closer := byte(']')
	if n.kind == '{' {
		closer = '}'
	}
	b.WriteByte(n.kind)
	inner := prefix + indent
	for i, v := range n.vals {
		if i > 0 {
			b.WriteByte(',')
		}
		if indent != "" {
			b.WriteString("\n" + inner)
		}
		if n.kind == '{' {
			b.Write(jsonString(n.keys[i]))
			b.WriteByte(':')
			if indent != "" {
				b.WriteByte(' ')
			}
		}
		v.write(b, indent, inner)
	}
	if indent != "" && len(n.vals) > 0 {
		b.WriteString("\n" + prefix)
	}
	b.WriteByte(closer)
}
