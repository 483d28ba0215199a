package puffer

import (
	"encoding/json"
	"strings"
	"testing"
)

// doc is a decoded fixture to change before converting.
type doc = map[string]any

func mutate(t *testing.T, name string, change func(d doc)) []byte {
	t.Helper()
	var d doc
	if err := json.Unmarshal(readFixture(t, name), &d); err != nil {
		t.Fatal(err)
	}
	change(d)
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func data(d doc, name string) doc { return d["data"].(doc)[name].(doc) }
func run(d doc) doc               { return d["run"].(doc) }
func install(d doc, i int) doc    { return d["install"].([]any)[i].(doc) }
func docker(d doc) doc            { return d["supportedEnvironments"].([]any)[1].(doc) }

// TestConvertRefusals: every refusal of the Paper-like fixture is a *templates.SourceError
// naming the PufferPanel field.
func TestConvertRefusals(t *testing.T) {
	tests := []struct {
		name, field string
		sentinel    error
		change      func(d doc)
	}{
		{"steamgamedl", "install[1].type", ErrUnsupported, func(d doc) { install(d, 1)["type"] = "steamgamedl" }},
		{"javadl everywhere", "install[0].type", ErrUnsupported, func(d doc) { install(d, 0)["type"] = "javadl" }},
		{"forgedl", "install[3].type", ErrUnsupported, func(d doc) { install(d, 3)["type"] = "forgedl" }},
		{"no type", "install[2].type", ErrInvalid, func(d doc) { delete(install(d, 2), "type") }},
		{"undecidable if", "install[0].if", ErrUnsupported, func(d doc) { install(d, 0)["if"] = "file_exists('paper.jar')" }},
		{"variable if", "install[0].if", ErrUnsupported, func(d doc) { install(d, 0)["if"] = "version == '1.21.4'" }},
		{"files with spaces", "install[0].files", ErrInvalid, func(d doc) { install(d, 0)["files"] = "a b" }},
		{"files not text", "install[0].files", ErrInvalid, func(d doc) { install(d, 0)["files"] = 5 }},
		{"pattern moved onto a file", "install[2].source", ErrUnsupported, func(d doc) {
			d["install"] = []any{install(d, 0), install(d, 2), install(d, 1)}
		}},
		{"pattern moved onto a file, no download", "install[0].source", ErrUnsupported, func(d doc) {
			d["install"] = []any{install(d, 1)}
		}},
		{"pattern into a subfolder", "install[1].source", ErrUnsupported, func(d doc) { install(d, 1)["source"] = "libs/*.jar" }},
		{"move without target", "install[1]", ErrInvalid, func(d doc) { delete(install(d, 1), "target") }},
		{"our placeholder in text", "install[3].text", ErrUnsupported, func(d doc) { install(d, 3)["text"] = "eula={{eula}}" }},
		{"rootDir in text", "install[2].text", ErrUnsupported, func(d doc) { install(d, 2)["text"] = "dir=${rootDir}" }},
		{"serverId", "install[2].target", ErrUnsupported, func(d doc) { install(d, 2)["target"] = "${serverId}.properties" }},
		{"stop code 9", "run.stopCode", ErrUnsupported, func(d doc) { run(d)["stopCode"] = 9 }},
		{"stop code not a number", "run.stopCode", ErrInvalid, func(d doc) { run(d)["stopCode"] = "2" }},
		{"rcon console", "run.stdin.type", ErrUnsupported, func(d doc) { run(d)["stdin"] = doc{"type": "rcon"} }},
		{"working directory", "run.workingDirectory", ErrUnsupported, func(d doc) { run(d)["workingDirectory"] = "game" }},
		{"pre operation", "run.pre[0]", ErrUnsupported, func(d doc) {
			run(d)["pre"] = []any{doc{"type": "command", "commands": []any{"rm -f cache"}}}
		}},
		{"pre writefile ambiguous", "run.pre[1].text", ErrUnsupported, func(d doc) {
			run(d)["pre"] = []any{doc{"type": "writefile", "target": "a", "text": "x=1"},
				doc{"type": "writefile", "target": "b", "text": "port=1\nport=2"}}
		}},
		{"pre writefile key prefix", "run.pre[0].text", ErrUnsupported, func(d doc) {
			run(d)["pre"] = []any{doc{"type": "writefile", "target": "a", "text": "[game]\n[game]x=1"}}
		}},
		{"pre writefile placeholder key", "run.pre[0].text", ErrUnsupported, func(d doc) {
			run(d)["pre"] = []any{doc{"type": "writefile", "target": "a", "text": "${ip}=1"}}
		}},
		{"pre writefile outside", "run.pre[0].target", ErrInvalid, func(d doc) {
			run(d)["pre"] = []any{doc{"type": "writefile", "target": "../a", "text": "a=1"}}
		}},
		{"pre writefile name too long", "run.pre[0].target", ErrInvalid, func(d doc) {
			run(d)["pre"] = []any{doc{"type": "writefile", "target": strings.Repeat("a", 256), "text": "a=1"}}
		}},
		{"pre writefile empty", "run.pre[0].text", ErrUnsupported, func(d doc) {
			run(d)["pre"] = []any{doc{"type": "writefile", "target": "a", "text": "\n \n"}}
		}},
		{"pre writefile twice", "run.pre[1].target", ErrUnsupported, func(d doc) {
			run(d)["pre"] = []any{doc{"type": "writefile", "target": "a", "text": "a=1"},
				doc{"type": "writefile", "target": "./a", "text": "b=1"}}
		}},
		{"post operation", "run.post[0]", ErrUnsupported, func(d doc) { run(d)["post"] = []any{doc{"type": "command", "commands": []any{"x"}}} }},
		{"no command", "run.command", ErrInvalid, func(d doc) { delete(run(d), "command") }},
		{"empty command", "run.command", ErrInvalid, func(d doc) { run(d)["command"] = "  " }},
		{"command a number", "run.command", ErrInvalid, func(d doc) { run(d)["command"] = 7 }},
		{"only windows commands", "run.command", ErrUnsupported, func(d doc) {
			run(d)["command"] = []any{doc{"if": "os == 'windows'", "command": "x.exe"}}
		}},
		{"bad env var", "run.environmentVars.A-B", ErrInvalid, func(d doc) { run(d)["environmentVars"] = doc{"A-B": "1"} }},
		{"unknown environment", "supportedEnvironments[0].type", ErrUnsupported, func(d doc) {
			d["supportedEnvironments"].([]any)[0].(doc)["type"] = "lxc"
		}},
		{"default environment unknown", "environment.type", ErrUnsupported, func(d doc) { d["environment"] = doc{"type": "podman"} }},
		{"no environment", "environment", ErrInvalid, func(d doc) { delete(d, "environment"); delete(d, "supportedEnvironments") }},
		{"docker without image", "supportedEnvironments[1].image", ErrInvalid, func(d doc) { delete(docker(d), "image") }},
		{"image placeholder", "supportedEnvironments[1].image", ErrUnsupported, func(d doc) { docker(d)["image"] = "temurin:${java}" }},
		{"docker bindings", "supportedEnvironments[1].bindings", ErrUnsupported, func(d doc) { docker(d)["bindings"] = doc{"/srv": "/data"} }},
		{"windows only", "requirements.os", ErrUnsupported, func(d doc) { d["requirements"] = doc{"os": "windows"} }},
		{"variable type", "data.build.type", ErrUnsupported, func(d doc) { data(d, "build")["type"] = "float" }},
		{"integer value", "data.memory.value", ErrInvalid, func(d doc) { data(d, "memory")["value"] = "lots" }},
		{"boolean value", "data.eula.value", ErrInvalid, func(d doc) { data(d, "eula")["value"] = "yes please" }},
		{"option value", "data.motd.value", ErrInvalid, func(d doc) {
			data(d, "motd")["type"] = "option"
			data(d, "motd")["options"] = []any{doc{"value": "a"}, doc{"value": "b"}}
		}},
		{"option without options", "data.motd.options", ErrInvalid, func(d doc) { data(d, "motd")["type"] = "option" }},
		{"string with options, value not one", "data.motd.value", ErrInvalid, func(d doc) { data(d, "motd")["options"] = []any{doc{"value": "a"}} }},
		{"option twice", "data.motd.options[1].value", ErrInvalid, func(d doc) {
			data(d, "motd")["options"] = []any{doc{"value": 1}, doc{"value": "1"}}
		}},
		{"option an object", "data.motd.options[0].value", ErrInvalid, func(d doc) { data(d, "motd")["options"] = []any{doc{"value": doc{}}} }},
		{"variable not an object", "data.motd", ErrInvalid, func(d doc) { d["data"].(doc)["motd"] = "x" }},
		{"required not a boolean", "data.motd.required", ErrInvalid, func(d doc) { data(d, "motd")["required"] = "yes" }},
		{"renamed twice", "data.a_b", ErrInvalid, func(d doc) {
			d["data"].(doc)["a-b"] = doc{"value": "1"}
			d["data"].(doc)["a_b"] = doc{"value": "2"}
		}},
		{"built-in name", "data.SERVER_IP", ErrUnsupported, func(d doc) { d["data"].(doc)["SERVER_IP"] = doc{"value": "1"} }},
		{"no display", "display", ErrInvalid, func(d doc) { d["display"] = " - " }},
		{"install not a list", "install", ErrInvalid, func(d doc) { d["install"] = "download" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Convert(mutate(t, "paper", tt.change))
			assertField(t, err, tt.field, tt.sentinel)
		})
	}
}

// TestConvertNotJSON: something that is not a JSON object names the document.
func TestConvertNotJSON(t *testing.T) {
	for _, body := range []string{"type: generic", "[]", `"x"`} {
		_, _, err := Convert([]byte(body))
		assertField(t, err, "$", ErrInvalid)
	}
}

// TestEditableCommandStringAdminOnly: a user-editable free-form string that reaches a command
// converts admin-only, with a note naming it (not refused, not dropped).
func TestEditableCommandStringAdminOnly(t *testing.T) {
	tpl, m, err := Convert(mutate(t, "paper", func(d doc) { run(d)["command"] = "java -jar paper-${version}.jar" }))
	if err != nil {
		t.Fatal(err)
	}
	if v := tpl.Variables["version"]; v.UserEditable == nil || *v.UserEditable || tpl.UserEditable("version") {
		t.Errorf("version: userEditable %v, want false", v.UserEditable)
	}
	found := false
	for _, n := range m.Notes {
		found = found || strings.HasPrefix(n, "data.version.userEdit:")
	}
	if !found {
		t.Errorf("no note names data.version.userEdit: %q", m.Notes)
	}
}
