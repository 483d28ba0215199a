package configfile

import (
	"testing"

	"gopkg.in/yaml.v3"
)

func TestYAML(t *testing.T) {
	runEdits(t, YAML, []editCase{
		{name: "create", sets: []Set{s("server.port", "25565"), s("server.online", "true"), s("motd", "Hi there")},
			want: "server:\n  port: 25565\n  online: true\nmotd: Hi there\n"},
		{name: "comments and order kept",
			old:  "# Velocity config\nzeta: 1 # the last letter\n# about alpha\nalpha:\n  port: 1\n  name: x\nlist:\n  - a\n  - b\n",
			sets: []Set{s("alpha.port", "2"), s("beta", "new")},
			want: "# Velocity config\nzeta: 1 # the last letter\n# about alpha\nalpha:\n  port: 2\n  name: x\nlist:\n  - a\n  - b\nbeta: new\n"},
		{name: "wildcard and index",
			old:  "servers:\n  - host: a\n    port: 1\n  - host: b\n    port: 2\nm:\n  x:\n    on: false\n  y:\n    on: false\n",
			sets: []Set{s("servers.*.port", "9"), s("servers.0.host", "c"), s("m.*.on", "true")},
			want: "servers:\n  - host: c\n    port: 9\n  - host: b\n    port: 9\nm:\n  x:\n    on: true\n  y:\n    on: true\n"},
		{name: "quoted strings stay strings", old: "a: \"1\"\nb: '2'\nc: !!str 3\nd: 4\n",
			sets: []Set{s("a", "10"), s("b", "true"), s("c", "30"), s("d", "x y")},
			want: "a: \"10\"\nb: 'true'\nc: !!str 30\nd: x y\n"},
		{name: "values that need quoting", old: "a: 1\n",
			sets: []Set{s("a", "b: c"), s("e", ""), s("h", "#x"), s("r", "*ref"), s("l", "[1]"), s("n", "x\ny")},
			want: "a: 'b: c'\ne: \"\"\nh: '#x'\nr: '*ref'\nl: '[1]'\nn: |-\n  x\n  y\n"},
		{name: "null becomes a map", old: "a:\n", sets: []Set{s("a.b", "1")}, want: "a:\n  b: 1\n"},
		{name: "wildcard creates nothing", old: "a: 1\n", sets: []Set{s("m.*.x", "1")}, want: "a: 1\n"},
		{name: "index out of range", old: "l: [1]\n", sets: []Set{s("l.3", "1")}, err: ErrKey},
		{name: "through a scalar", old: "a: s\n", sets: []Set{s("a.b", "1")}, err: ErrKey},
		{name: "anchor followed", old: "base: &b\n  port: 1\nuse: *b\n", sets: []Set{s("use.port", "2")},
			want: "base: &b\n  port: 2\nuse: *b\n"},
		{name: "a file of comments only keeps them", old: "# generated\n# by the game\n", sets: []Set{s("a", "1")},
			want: "# generated\n# by the game\na: 1\n"},
		{name: "other documents kept", old: "a: 1\n---\nb: 2\n", sets: []Set{s("a", "3")}, want: "a: 3\n---\nb: 2\n"},
		{name: "CRLF kept", old: "# c\r\na: 1\r\n", sets: []Set{s("b", "x")}, want: "# c\r\na: 1\r\nb: x\r\n"},
		{name: "malformed", old: "a: [1\n", sets: []Set{s("a", "2")}, err: ErrMalformed},
		{name: "malformed indentation", old: "a:\n  b: 1\n c: 2\n", sets: []Set{s("a", "2")}, err: ErrMalformed},
	})
}

// TestYAMLTypes: a game reading the file gets ints, bools and strings as YAML types them.
func TestYAMLTypes(t *testing.T) {
	out, err := editYAML([]byte("port: \"1\"\n"), []Set{s("server.port", "25565"), s("server.on", "true"),
		s("server.name", "25565 players"), s("server.ver", "1.20"), s("port", "2")})
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Port   string
		Server struct {
			Port int
			On   bool
			Name string
			Ver  float64
		}
	}
	if err := yaml.Unmarshal(out, &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if v.Port != "2" || v.Server.Port != 25565 || !v.Server.On || v.Server.Name != "25565 players" || v.Server.Ver != 1.2 {
		t.Errorf("got %+v from\n%s", v, out)
	}
}
