package templates

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

func TestBuiltin(t *testing.T) {
	s, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"generic", "minecraft-java", "paper", "terraria"}
	var got []string
	for _, tpl := range s.List(0, 0) {
		got = append(got, tpl.Name)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("built-ins = %v, want %v", got, want)
	}
	cases := []struct {
		name, stop, command string
		vars                []string
	}{
		{"minecraft-java", "stop", "java -Xms128M -Xmx{{memory}}M -jar server.jar nogui", []string{"eula", "memory", "version"}},
		{"paper", "stop", "-jar server.jar nogui", []string{"build", "eula", "memory", "version"}},
		{"terraria", "exit", "./TerrariaServer.bin.x86_64", []string{"maxplayers", "version", "world", "worldsize"}},
		{"generic", "{{stop}}", "{{command}}", []string{"command", "install", "stop"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl, err := s.Get(c.name)
			if err != nil {
				t.Fatal(err)
			}
			if tpl.Run.Stop != c.stop || !strings.Contains(tpl.Run.Command, c.command) || tpl.Run.StopSeconds() != 30 {
				t.Errorf("run = %+v", tpl.Run)
			}
			if got := strings.Join(tpl.variableNames(), ","); got != strings.Join(c.vars, ",") {
				t.Errorf("variables = %s, want %v", got, c.vars)
			}
			if !tpl.Supports(EnvDocker) || !tpl.Supports(EnvStandard) {
				t.Errorf("environments = %v", tpl.Environments)
			}
			if _, err := tpl.Resolve(nil, false); err != nil {
				t.Errorf("defaults do not resolve: %v", err)
			}
			checkMinecraftRun(t, tpl)
		})
	}
	if _, err := s.Get("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(nope) = %v", err)
	}
}

// checkMinecraftRun: the Minecraft built-ins turn running on the "Done (…)! For help" line
// and get the server's port written into server.properties before every start; the others
// keep running-at-start and no config files.
func checkMinecraftRun(t *testing.T, tpl *Template) {
	t.Helper()
	if tpl.Name != "minecraft-java" && tpl.Name != "paper" {
		if len(tpl.Run.Ready) != 0 || len(tpl.ConfigFiles) != 0 {
			t.Errorf("%s: ready %q, config files %+v", tpl.Name, tpl.Run.Ready, tpl.ConfigFiles)
		}
		return
	}
	done := `[00:00:01 INFO]: Done (0.001s)! For help, type "help"`
	if len(tpl.Run.Ready) != 1 || !strings.Contains(done, tpl.Run.Ready[0]) || strings.Contains("Done preparing level", tpl.Run.Ready[0]) {
		t.Errorf("ready = %q", tpl.Run.Ready)
	}
	want := []ConfigFile{{File: "server.properties", Parser: ParserProperties, Set: []ConfigSet{
		{Key: "server-port", Value: "{{SERVER_PORT}}"}, {Key: "query.port", Value: "{{SERVER_PORT}}"}}}}
	if fmt.Sprint(tpl.ConfigFiles) != fmt.Sprint(want) {
		t.Errorf("configFiles = %+v, want %+v", tpl.ConfigFiles, want)
	}
	if tpl.Run.StopSignal != "" {
		t.Errorf("stopSignal = %q (the stop command applies)", tpl.Run.StopSignal)
	}
}

func TestList(t *testing.T) {
	s := MustBuiltin()
	cases := []struct {
		offset, limit int
		want          string
	}{
		{0, 2, "generic,minecraft-java"},
		{2, 2, "paper,terraria"},
		{3, 25, "terraria"},
		{4, 25, ""},
		{-1, 1, "generic"},
	}
	for _, c := range cases {
		var got []string
		for _, tpl := range s.List(c.offset, c.limit) {
			got = append(got, tpl.Name)
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("List(%d,%d) = %v, want %s", c.offset, c.limit, got, c.want)
		}
	}
	if s.Len() != 4 {
		t.Errorf("Len = %d", s.Len())
	}
}

const valid = `{"name":"t1","display":"T","type":"native","environments":["standard"],
 "install":[{"type":"download","files":["https://example.com/{{v}}.bin"],"target":"a.bin"}],
 "run":{"command":"./a.bin -m {{SERVER_MEMORY}} {{v}}"},
 "variables":{"v":{"type":"string","required":true}}}`

func TestParseRejects(t *testing.T) {
	cases := []struct{ name, from, to, want string }{
		{"unknown field", `"type":"native"`, `"type":"native","colour":"red"`, "unknown field"},
		{"bad name", `"name":"t1"`, `"name":"T 1"`, "name"},
		{"no environments", `"environments":["standard"]`, `"environments":[]`, "environments"},
		{"unknown environment", `"environments":["standard"]`, `"environments":["vm"]`, "vm"},
		{"no command", `"command":"./a.bin -m {{SERVER_MEMORY}} {{v}}"`, `"command":""`, "run.command"},
		{"unknown placeholder in run", `{{SERVER_MEMORY}}`, `{{MEM}}`, "{{MEM}}"},
		{"unknown placeholder in step", `{{v}}.bin`, `{{w}}.bin`, "install[0].files"},
		{"unknown step", `"type":"download"`, `"type":"teleport"`, "teleport"},
		{"download without files", `"files":["https://example.com/{{v}}.bin"],`, ``, "needs files"},
		{"bad sha256", `"target":"a.bin"`, `"target":"a.bin","sha256":"XYZ"`, "sha256"},
		{"unknown api", `"files":["https://example.com/{{v}}.bin"],`, `"api":"forge",`, "forge"},
		{"bad variable type", `"type":"string","required"`, `"type":"float","required"`, "float"},
		{"option without options", `"type":"string","required"`, `"type":"option","required"`, "needs options"},
		{"default of wrong type", `"required":true`, `"default":5`, "must be a string"},
		{"builtin as variable", `"variables":{"v":`, `"variables":{"SERVER_PORT":{"type":"string"},"v":`, "built-in"},
		{"stop timeout", `"run":{`, `"run":{"stopTimeout":99999,`, "stopTimeout"},
	}
	if _, err := Parse([]byte(valid)); err != nil {
		t.Fatalf("valid template: %v", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(valid, c.from, c.to, 1)
			if src == valid {
				t.Fatalf("replacement %q not found", c.from)
			}
			_, err := Parse([]byte(src))
			if !errors.Is(err, ErrInvalidTemplate) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrInvalidTemplate mentioning %q", err, c.want)
			}
		})
	}
}

func TestLoadChecksFileName(t *testing.T) {
	_, err := Load(fstest.MapFS{"other.json": {Data: []byte(valid)}})
	if !errors.Is(err, ErrInvalidTemplate) || !strings.Contains(err.Error(), "file name") {
		t.Fatalf("err = %v", err)
	}
	s, err := Load(fstest.MapFS{"t1.json": {Data: []byte(valid)}, "README.md": {Data: []byte("x")}})
	if err != nil || s.Len() != 1 {
		t.Fatalf("Load = %v, %v", s, err)
	}
}

func TestPlaceholders(t *testing.T) {
	got := Placeholders("a {{x}} b {{ y }} {{x}} {z}")
	if strings.Join(got, ",") != "x,y,x" {
		t.Fatalf("Placeholders = %v", got)
	}
}
