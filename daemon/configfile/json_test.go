package configfile

import (
	"encoding/json"
	"testing"
)

func TestJSON(t *testing.T) {
	runEdits(t, JSON, []editCase{
		{name: "create", sets: []Set{s("server.port", "27015"), s("server.name", "My server")},
			want: "{\n  \"server\": {\n    \"port\": 27015,\n    \"name\": \"My server\"\n  }\n}\n"},
		{name: "order and indentation kept",
			old:  "{\n    \"z\": 1,\n    \"a\": {\"m\": true, \"b\": [1, 2]},\n    \"k\": \"v\"\n}\n",
			sets: []Set{s("a.m", "false"), s("new", "x")},
			want: "{\n    \"z\": 1,\n    \"a\": {\n        \"m\": false,\n        \"b\": [\n            1,\n            2\n        ]\n    },\n    \"k\": \"v\",\n    \"new\": \"x\"\n}\n"},
		{name: "compact stays compact", old: `{"b":1,"a":2}`, sets: []Set{s("a", "3")}, want: `{"b":1,"a":3}`},
		{name: "tabs", old: "{\n\t\"a\": 1\n}", sets: []Set{s("a", "2")}, want: "{\n\t\"a\": 2\n}"},
		{name: "value types",
			old: `{"a":0}`,
			sets: []Set{s("n", "25565"), s("f", "-1.5e3"), s("t", "true"), s("z", "null"), s("s", "hello"),
				s("lead", "007"), s("sp", " 1"), s("obj", `{"x":1}`), s("e", ""), s("q", `say "hi" <b>`)},
			want: `{"a":0,"n":25565,"f":-1.5e3,"t":true,"z":null,"s":"hello","lead":"007","sp":" 1","obj":"{\"x\":1}","e":"","q":"say \"hi\" <b>"}`},
		{name: "wildcard over a list and a map",
			old:  `{"servers":[{"port":1},{"port":2}],"m":{"a":{"on":false},"b":{"on":false}}}`,
			sets: []Set{s("servers.*.port", "9"), s("m.*.on", "true")},
			want: `{"servers":[{"port":9},{"port":9}],"m":{"a":{"on":true},"b":{"on":true}}}`},
		{name: "wildcard creates nothing", old: `{}`, sets: []Set{s("missing.*.x", "1")}, want: `{}`},
		{name: "list index", old: `{"l":[{"p":1},{"p":2}]}`, sets: []Set{s("l.1.p", "3")}, want: `{"l":[{"p":1},{"p":3}]}`},
		{name: "index out of range", old: `{"l":[1]}`, sets: []Set{s("l.1", "3")}, err: ErrKey},
		{name: "name on a list", old: `{"l":[1]}`, sets: []Set{s("l.x", "3")}, err: ErrKey},
		{name: "through a scalar", old: `{"a":"s"}`, sets: []Set{s("a.b", "3")}, err: ErrKey},
		{name: "null becomes an object", old: `{"a":null}`, sets: []Set{s("a.b", "3")}, want: `{"a":{"b":3}}`},
		{name: "numeric key on an object is a key", old: `{"m":{}}`, sets: []Set{s("m.0", "x")}, want: `{"m":{"0":"x"}}`},
		{name: "top-level list", old: `[{"a":1}]`, sets: []Set{s("0.a", "2")}, want: `[{"a":2}]`},
		{name: "numbers and strings kept as written", old: `{"big":12345678901234567890,"u":"é\u00e9","a":1}`,
			sets: []Set{s("a", "2")}, want: `{"big":12345678901234567890,"u":"éé","a":2}`},
		{name: "replace an object by a scalar", old: `{"a":{"b":1}}`, sets: []Set{s("a", "1")}, want: `{"a":1}`},
		{name: "CRLF kept", old: "{\r\n  \"a\": 1\r\n}\r\n", sets: []Set{s("b", "2")}, want: "{\r\n  \"a\": 1,\r\n  \"b\": 2\r\n}\r\n"},
		{name: "malformed", old: `{"a":1,}`, sets: []Set{s("a", "2")}, err: ErrMalformed},
		{name: "trailing data", old: `{"a":1} {}`, sets: []Set{s("a", "2")}, err: ErrMalformed},
		{name: "truncated", old: `{"a":[1`, sets: []Set{s("a", "2")}, err: ErrMalformed},
	})
}

// TestJSONTypes: numbers, booleans and null are written as such, the rest as strings.
func TestJSONTypes(t *testing.T) {
	out, err := editJSON(nil, []Set{s("port", "25565"), s("on", "true"), s("name", "x"), s("nil", "null")})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, ok := m["port"].(float64); !ok {
		t.Errorf("port is %T", m["port"])
	}
	if m["on"] != true || m["name"] != "x" || m["nil"] != nil {
		t.Errorf("got %v", m)
	}
	if _, ok := m["nil"]; !ok {
		t.Error("nil key missing")
	}
}
