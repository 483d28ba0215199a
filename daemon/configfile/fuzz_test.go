package configfile

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzEdit checks, for any existing content, that an edit never panics, that a failing edit
// is ErrMalformed, ErrKey or ErrInvalid, and that a successful edit's output is accepted again
// and left as it is by the same edit (the keys are set; yaml.v3 may still move a comment on
// the second encoding, so for YAML only the acceptance is checked). The sets are ordered so
// that none creates what an earlier wildcard would match.
func fuzzEdit(f *testing.F, parser string, sets []Set, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	p := parsers[parser]
	f.Fuzz(func(t *testing.T, old []byte) {
		out, err := p.edit(old, sets)
		if err != nil {
			if !isAny(err, ErrMalformed, ErrKey, ErrInvalid) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		again, err := p.edit(out, sets)
		if err != nil {
			t.Fatalf("the output is refused: %v\nin:  %q\nout: %q", err, old, out)
		}
		if parser != YAML && !bytes.Equal(again, out) {
			t.Fatalf("a second edit changed the output\nin:  %q\nout: %q\nagain: %q", old, out, again)
		}
	})
}

func isAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

func FuzzProperties(f *testing.F) {
	fuzzEdit(f, Properties, []Set{s("server-port", "25565"), s("motd", " a\\b")},
		"#c\nserver-port=1\nmotd\\\n x\n", "a:b\n", "server-port\n", "\\\n\\")
}

func FuzzINI(f *testing.F) {
	fuzzEdit(f, INI, []Set{s("Server.Port", "7777"), s("top", "1"), s("[a.b].c", "x")},
		"; c\n[Server]\nPort = 1\n", "[a.b]\nc=1\n", "[Server\nPort=2\n", "top=1")
}

func FuzzLines(f *testing.F) {
	fuzzEdit(f, Lines, []Set{s("eula=", "eula=true")}, "eula=false\n", "x\r\n", "")
}

func FuzzJSON(f *testing.F) {
	fuzzEdit(f, JSON, []Set{s("server.port", "27015"), s("list.0.name", "x"), s("list.*.on", "true")},
		`{"server":{"port":1},"list":[{"on":false,"name":"a"}]}`, `[1]`, `{"server":null}`, `{"list":{"a":{}}}`)
}

func FuzzYAML(f *testing.F) {
	fuzzEdit(f, YAML, []Set{s("server.port", "25565"), s("list.*.on", "true"), s("name", "a: b")},
		"# c\nserver:\n  port: 1\nlist:\n  - on: false\n", "a: &x {b: 1}\nc: *x\n", "- 1\n", "server: ~\n")
}

func FuzzXML(f *testing.F) {
	fuzzEdit(f, XML, []Set{s("config.server.port", "25565"), s("config.server.@ip", "0.0.0.0"),
		s("config.property[@name='a.b'].@value", "1")},
		"<?xml version=\"1.0\"?>\n<config>\n  <server ip='1' port=\"2\"/>\n</config>\n",
		"<config><server><port>1</port></server><!-- c --></config>", "<a/>", "<config a = \"1\"\n/>",
		"<config><property name='a.b' value=''/></config>")
}
