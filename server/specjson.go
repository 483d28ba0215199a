package server

import (
	"bytes"
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

// yamlToJSON converts a YAML document to JSON, keeping the order of mapping keys (a reference
// page lists paths and operations in the document's order). Merge keys are refused: the
// contract has none, and JSON has no such thing.
func yamlToJSON(src []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpecConvert, err)
	}
	var b bytes.Buffer
	if err := writeJSONNode(&b, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpecConvert, err)
	}
	return b.Bytes(), nil
}

func writeJSONNode(b *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return fmt.Errorf("a document with %d nodes", len(n.Content))
		}
		return writeJSONNode(b, n.Content[0])
	case yaml.AliasNode:
		return writeJSONNode(b, n.Alias)
	case yaml.MappingNode:
		return writeJSONMapping(b, n)
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSONNode(b, c); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	case yaml.ScalarNode:
		return writeJSONScalar(b, n)
	}
	return fmt.Errorf("line %d: unexpected YAML node kind %d", n.Line, n.Kind)
}

func writeJSONMapping(b *bytes.Buffer, n *yaml.Node) error {
	b.WriteByte('{')
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			return fmt.Errorf("line %d: a mapping key must be a plain scalar", k.Line)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		key, err := json.Marshal(k.Value)
		if err != nil {
			return err
		}
		b.Write(key)
		b.WriteByte(':')
		if err := writeJSONNode(b, n.Content[i+1]); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

// writeJSONScalar writes a scalar as YAML resolved it (int, float, bool, null, string); a
// timestamp stays the string it was written as.
func writeJSONScalar(b *bytes.Buffer, n *yaml.Node) error {
	var v any = n.Value
	if n.Tag != "!!str" && n.Tag != "!!timestamp" && n.Tag != "!!binary" {
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
	}
	out, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	b.Write(out)
	return nil
}
