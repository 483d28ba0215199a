package templates

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const varsTemplate = `{"name":"vars","display":"V","type":"native","environments":["standard"],"install":[],
 "run":{"command":"run {{s}} {{n}} {{b}} {{o}} {{opt}} {{req}}"},
 "variables":{
  "s":{"type":"string","default":"hello","required":true},
  "n":{"type":"integer","default":1024},
  "b":{"type":"boolean","default":false},
  "o":{"type":"option","options":["small","large"],"default":"small"},
  "opt":{"type":"string"},
  "req":{"type":"string","required":true}}}`

func TestResolve(t *testing.T) {
	tpl, err := Parse([]byte(varsTemplate))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		values map[string]any
		stored bool
		want   map[string]string // nil: error expected
		err    error
		field  string
	}{
		{name: "defaults fill the rest", values: map[string]any{"req": "x"},
			want: map[string]string{"s": "hello", "n": "1024", "b": "false", "o": "small", "opt": "", "req": "x"}},
		{name: "typed values", values: map[string]any{"req": "x", "n": json.Number("2048"), "b": true, "o": "large", "s": "v"},
			want: map[string]string{"s": "v", "n": "2048", "b": "true", "o": "large", "opt": "", "req": "x"}},
		{name: "float64 integer", values: map[string]any{"req": "x", "n": float64(7)},
			want: map[string]string{"s": "hello", "n": "7", "b": "false", "o": "small", "opt": "", "req": "x"}},
		{name: "stored strings", stored: true, values: map[string]any{"req": "x", "n": "12", "b": "true"},
			want: map[string]string{"s": "hello", "n": "12", "b": "true", "o": "small", "opt": "", "req": "x"}},
		{name: "missing required", values: map[string]any{}, err: ErrVariableRequired, field: "req"},
		{name: "empty required", values: map[string]any{"req": ""}, err: ErrVariableRequired, field: "req"},
		{name: "empty required with default", values: map[string]any{"req": "x", "s": ""}, err: ErrVariableRequired, field: "s"},
		{name: "null is missing", values: map[string]any{"req": nil}, err: ErrVariableRequired, field: "req"},
		{name: "integer as string", values: map[string]any{"req": "x", "n": "12"}, err: ErrVariableInvalid, field: "n"},
		{name: "fractional integer", values: map[string]any{"req": "x", "n": 1.5}, err: ErrVariableInvalid, field: "n"},
		{name: "boolean as string", values: map[string]any{"req": "x", "b": "yes"}, err: ErrVariableInvalid, field: "b"},
		{name: "stored bad boolean", stored: true, values: map[string]any{"req": "x", "b": "1"}, err: ErrVariableInvalid, field: "b"},
		{name: "string as number", values: map[string]any{"req": json.Number("5")}, err: ErrVariableInvalid, field: "req"},
		{name: "option not in list", values: map[string]any{"req": "x", "o": "huge"}, err: ErrVariableInvalid, field: "o"},
		{name: "unknown variable", values: map[string]any{"req": "x", "verison": "1"}, err: ErrVariableInvalid, field: "verison"},
		{name: "NUL byte", values: map[string]any{"req": "a\x00b"}, err: ErrVariableInvalid, field: "req"},
		{name: "too long", values: map[string]any{"req": strings.Repeat("a", 4097)}, err: ErrVariableInvalid, field: "req"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := tpl.Resolve(c.values, c.stored)
			if c.want != nil {
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range c.want {
					if got[k] != v {
						t.Errorf("%s = %q, want %q", k, got[k], v)
					}
				}
				if len(got) != len(c.want) {
					t.Errorf("got %v", got)
				}
				return
			}
			var ve *VariableError
			if !errors.Is(err, c.err) || !errors.As(err, &ve) || ve.Name != c.field || !strings.Contains(err.Error(), `"`+c.field+`"`) {
				t.Fatalf("err = %v, want %v naming %q", err, c.err, c.field)
			}
		})
	}
}
