package configfile

import "testing"

func TestLines(t *testing.T) {
	runEdits(t, Lines, []editCase{
		{name: "create", sets: []Set{s("eula=", "eula=true")}, want: "eula=true\n"},
		{name: "every line with the prefix replaced",
			old:  "# comment\nset port 1\nset portal 2\nother\n",
			sets: []Set{s("set port", "set port 27015")},
			want: "# comment\nset port 27015\nset port 27015\nother\n"},
		{name: "appended when no line matches", old: "a\nb", sets: []Set{s("c", "c=1")}, want: "a\nb\nc=1\n"},
		{name: "sets apply in order", old: "x=1\n", sets: []Set{s("x", "x=2"), s("x=2", "x=3")}, want: "x=3\n"},
		{name: "prefix is exact, not trimmed", old: "  key=1\n", sets: []Set{s("key", "key=2")},
			want: "  key=1\nkey=2\n"},
		{name: "CRLF", old: "a=1\r\n", sets: []Set{s("a", "a=2")}, want: "a=2\r\n"},
	})
	if linesKey("a\nb") == "" {
		t.Error("a line break in a key accepted")
	}
}
