package configfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// editYAML sets dotted paths in a YAML file's first document (an empty or missing file is an
// empty map). Comments and key order survive through the yaml.v3 node tree.
func editYAML(old []byte, sets []Set) ([]byte, error) {
	in := old
	if isCRLF(old) { // yaml.v3 keeps a "\r" in comments: decode LF, write CRLF back
		in = bytes.ReplaceAll(old, []byte("\r\n"), []byte("\n"))
	}
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(in))
	for {
		d := new(yaml.Node)
		err := dec.Decode(d)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		docs = append(docs, d)
	}
	var keep []byte // a file of comments only: kept above the new document
	if len(docs) == 0 {
		docs = append(docs, &yaml.Node{Kind: yaml.DocumentNode})
		if onlyComments(in) {
			keep = append(slices.Clip(bytes.TrimRight(in, " \t\r\n")), '\n')
		}
	}
	if len(docs[0].Content) == 0 {
		docs[0].Content = []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}
	}
	for _, s := range sets {
		if err := yamlSet(docs[0].Content[0], strings.Split(s.Key, "."), s.Value, s.Key); err != nil {
			return nil, err
		}
	}
	b := bytes.NewBuffer(keep)
	enc := yaml.NewEncoder(b)
	enc.SetIndent(2)
	for _, d := range docs {
		if err := enc.Encode(d); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return withEOL(old, b.Bytes()), nil
}

// onlyComments reports whether b has comment lines and nothing else but blanks.
func onlyComments(b []byte) bool {
	found := false
	for _, l := range strings.Split(string(b), "\n") {
		switch l = strings.TrimSpace(l); {
		case strings.HasPrefix(l, "#"):
			found = true
		case l != "":
			return false
		}
	}
	return found
}

// yamlSet puts value at the path parts below n (key is the whole path, for errors).
func yamlSet(n *yaml.Node, parts []string, value, key string) error {
	if len(parts) == 0 {
		yamlScalar(n, value)
		return nil
	}
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	p, rest := parts[0], parts[1:]
	null := n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
	switch {
	case null && p == "*":
		return nil
	case null:
		n.Kind, n.Tag, n.Value, n.Style, n.Content = yaml.MappingNode, "!!map", "", 0, nil
	}
	switch {
	case n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode:
		return fmt.Errorf("%w: key %q: %q is not a map or a list", ErrKey, key, p)
	case p == "*":
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 {
				continue // a key
			}
			if err := yamlSet(c, rest, value, key); err != nil {
				return err
			}
		}
		return nil
	case n.Kind == yaml.SequenceNode:
		i, err := strconv.Atoi(p)
		if err != nil || i < 0 || i >= len(n.Content) {
			return fmt.Errorf("%w: key %q: %q is not an index of a list of %d", ErrKey, key, p, len(n.Content))
		}
		return yamlSet(n.Content[i], rest, value, key)
	}
	found := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == p {
			found = true
			if err := yamlSet(n.Content[i+1], rest, value, key); err != nil {
				return err
			}
		}
	}
	if found || hasWildcard(rest) {
		return nil
	}
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: p}
	v := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	n.Content = append(n.Content, k, v)
	return yamlSet(v, rest, value, key)
}

// yamlScalar makes n the scalar value, keeping its comments and anchor. A quoted or !!str
// string stays a string; otherwise the value gets the type YAML reads it as.
func yamlScalar(n *yaml.Node, value string) {
	quoted := n.Kind == yaml.ScalarNode &&
		(n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 ||
			(n.Style&yaml.TaggedStyle != 0 && n.ShortTag() == "!!str"))
	style := n.Style & (yaml.SingleQuotedStyle | yaml.DoubleQuotedStyle | yaml.TaggedStyle)
	n.Kind, n.Content, n.Alias, n.Value = yaml.ScalarNode, nil, nil, value
	if quoted {
		n.Tag, n.Style = "!!str", style
		return
	}
	n.Tag, n.Style = "", 0
	var probe yaml.Node
	if yaml.Unmarshal([]byte(value), &probe) != nil || len(probe.Content) != 1 ||
		probe.Content[0].Kind != yaml.ScalarNode || probe.Content[0].Value != value {
		n.Tag = "!!str" // not a plain scalar of its own: the encoder quotes it
	}
}
