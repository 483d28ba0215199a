package configfile

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// benchFile writes content to a fresh folder and returns it as a root.
func benchFile(b *testing.B, name, content string) *os.Root {
	b.Helper()
	dir := b.TempDir()
	if err := os.WriteFile(dir+"/"+name, []byte(content), 0o644); err != nil {
		b.Fatal(err)
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	return r
}

// BenchmarkApply: a start's rewrite of one file, alternating values so every Apply writes.
func BenchmarkApply(b *testing.B) {
	var yml, jsn, xm strings.Builder
	jsn.WriteString("{\n")
	xm.WriteString("<root>\n")
	for i := range 2000 { // ~50-70 KiB each
		fmt.Fprintf(&yml, "# setting %d\nsection%d:\n  port: %d\n  name: server %d\n", i, i, i, i)
		fmt.Fprintf(&jsn, "  \"section%d\": {\"port\": %d, \"name\": \"server %d\"},\n", i, i, i)
		fmt.Fprintf(&xm, "  <section%d port=\"%d\">server %d</section%d>\n", i, i, i, i)
	}
	jsn.WriteString("  \"last\": 0\n}\n")
	xm.WriteString("</root>\n")
	cases := []struct {
		name, file, parser, content, key string
	}{
		{"properties", "server.properties", Properties, minecraftProperties, "server-port"},
		{"yaml-64KiB", "config.yml", YAML, yml.String(), "section1999.port"},
		{"json-64KiB", "config.json", JSON, jsn.String(), "section1999.port"},
		{"xml-64KiB", "config.xml", XML, xm.String(), "root.section1999.@port"},
		{"ini", "game.ini", INI, "[Server]\nPort=1\nName=x\n", "Server.Port"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := benchFile(b, c.file, c.content)
			b.SetBytes(int64(len(c.content)))
			i := 0
			for b.Loop() {
				i++
				f := File{Path: c.file, Parser: c.parser, Set: []Set{{Key: c.key, Value: fmt.Sprint(25565 + i%2)}}}
				if err := Apply(r, f, none); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
