package egg

import (
	"encoding/json"
	"strings"
	"testing"
)

// egg is a decoded fixture to change before converting.
type egg = map[string]any

func mutate(t *testing.T, name string, change func(e egg)) []byte {
	t.Helper()
	var e egg
	if err := json.Unmarshal(readFixture(t, name), &e); err != nil {
		t.Fatal(err)
	}
	change(e)
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func variable(e egg, i int) egg { return e["variables"].([]any)[i].(egg) }
func config(e egg) egg          { return e["config"].(egg) }
func install(e egg) egg         { return e["scripts"].(egg)["installation"].(egg) }

// files makes config.files one file with a parser and find.
func files(e egg, file, parser string, find any) {
	config(e)["files"] = egg{file: egg{"parser": parser, "find": find}}
}

// rule sets the first variable's rules (and an empty default, so only the rules are judged).
func rule(r any) func(e egg) {
	return func(e egg) { variable(e, 0)["rules"], variable(e, 0)["default_value"] = r, "" }
}

// TestConvertRefusals: every refusal is a *FieldError naming the egg's field.
func TestConvertRefusals(t *testing.T) {
	tests := []struct {
		name, field string
		sentinel    error
		change      func(e egg)
	}{
		{"unknown format", "meta.version", ErrUnsupported, func(e egg) { e["meta"] = egg{"version": "PTDL_v1"} }},
		{"no format", "meta.version", ErrUnsupported, func(e egg) { delete(e, "meta") }},
		{"no name", "name", ErrInvalid, func(e egg) { e["name"] = "!!" }},
		{"no images", "docker_images", ErrInvalid, func(e egg) { e["docker_images"] = egg{} }},
		{"images as a list", "docker_images", ErrInvalid, func(e egg) { e["docker_images"] = []any{"a"} }},
		{"empty image", "docker_images", ErrInvalid, func(e egg) { e["docker_images"] = egg{"x": ""} }},
		{"no startup", "startup", ErrInvalid, func(e egg) { e["startup"] = " " }},
		{"unknown placeholder", "startup", ErrInvalid, func(e egg) { e["startup"] = "java -jar {{NOPE}}" }},
		{"stop ^SIGKILL", "config.stop", ErrUnsupported, func(e egg) { config(e)["stop"] = "^SIGKILL" }},
		{"stop ^SIGABRT", "config.stop", ErrUnsupported, func(e egg) { config(e)["stop"] = "^SIGABRT" }},
		{"stop ^INT (SIGKILL for Wings)", "config.stop", ErrUnsupported, func(e egg) { config(e)["stop"] = "^INT" }},
		{"startup not an object", "config.startup", ErrInvalid, func(e egg) { config(e)["startup"] = "[1]" }},
		{"done not text", "config.startup.done", ErrInvalid, func(e egg) { config(e)["startup"] = egg{"done": 5} }},
		{"done regex does not compile", "config.startup.done", ErrUnsupported, func(e egg) { config(e)["startup"] = egg{"done": "regex:(a"} }},
		{"done regex RE2 lacks", "config.startup.done", ErrUnsupported, func(e egg) { config(e)["startup"] = egg{"done": "regex:(?=a)"} }},
		{"done pattern too long", "config.startup.done", ErrUnsupported, func(e egg) {
			config(e)["startup"] = egg{"done": []any{"ok", strings.Repeat("a", 513)}}
		}},
		{"17 done patterns", "config.startup.done", ErrUnsupported, func(e egg) {
			config(e)["startup"] = egg{"done": []any{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17"}}
		}},
		{"files not JSON", "config.files", ErrInvalid, func(e egg) { config(e)["files"] = "{nope" }},
		{"files a list", "config.files", ErrInvalid, func(e egg) { config(e)["files"] = []any{"a"} }},
		{"file not an object", "config.files.a.json", ErrInvalid, func(e egg) { config(e)["files"] = egg{"a.json": "json"} }},
		{"unknown parser", "config.files.a.toml.parser", ErrUnsupported, func(e egg) { files(e, "a.toml", "toml", egg{"a": "b"}) }},
		{"absolute file", "config.files./etc/passwd", ErrUnsupported, func(e egg) { files(e, "/etc/passwd", "file", egg{"root": "x"}) }},
		{"escaping file", "config.files.../x.yml", ErrUnsupported, func(e egg) { files(e, "../x.yml", "yaml", egg{"a": "b"}) }},
		{"unclean file", "config.files.a//b.yml", ErrUnsupported, func(e egg) { files(e, "a//b.yml", "yaml", egg{"a": "b"}) }},
		{"folder itself", "config.files..", ErrUnsupported, func(e egg) { files(e, ".", "file", egg{"a": "b"}) }},
		{"file name too long", "config.files." + strings.Repeat("a", 256), ErrUnsupported, func(e egg) {
			files(e, strings.Repeat("a", 256), "file", egg{"a": "b"})
		}},
		{"find a list", "config.files.a.json.find", ErrInvalid, func(e egg) { files(e, "a.json", "json", []any{"a"}) }},
		{"match/replace object", "config.files.a.yml.find.listeners.*.host", ErrUnsupported, func(e egg) {
			files(e, "a.yml", "yaml", egg{"listeners.*.host": egg{"0.0.0.0": "{{server.build.default.ip}}"}})
		}},
		{"null value", "config.files.a.json.find.port", ErrUnsupported, func(e egg) { files(e, "a.json", "json", egg{"port": nil}) }},
		{"wings config placeholder", "config.files.a.yml.find.host", ErrUnsupported, func(e egg) {
			files(e, "a.yml", "yaml", egg{"host": "{{config.docker.interface}}"})
		}},
		{"other server field", "config.files.a.properties.find.disk", ErrUnsupported, func(e egg) {
			files(e, "a.properties", "properties", egg{"disk": "{{server.build.disk}}"})
		}},
		{"unknown env variable", "config.files.a.properties.find.x", ErrUnsupported, func(e egg) {
			files(e, "a.properties", "properties", egg{"x": "{{server.build.env.NOPE}}"})
		}},
		{"bare placeholder Pterodactyl leaves as is", "config.files.a.properties.find.port", ErrUnsupported, func(e egg) {
			files(e, "a.properties", "properties", egg{"port": "{{SERVER_PORT}}"})
		}},
		{"ini section with a dot", "config.files.a.ini.find.[a.b].c", ErrUnsupported, func(e egg) { files(e, "a.ini", "ini", egg{"[a.b].c": "1"}) }},
		{"ini section without key", "config.files.a.ini.find.a.", ErrUnsupported, func(e egg) { files(e, "a.ini", "ini", egg{"a.": "1"}) }},
		{"yaml bad index", "config.files.a.yml.find.a[x].b", ErrUnsupported, func(e egg) { files(e, "a.yml", "yaml", egg{"a[x].b": "1"}) }},
		{"no env_variable", "variables[0].env_variable", ErrInvalid, func(e egg) { variable(e, 0)["env_variable"] = "" }},
		{"env_variable not a name", "variables[0].env_variable", ErrUnsupported, func(e egg) { variable(e, 0)["env_variable"] = "MC-VERSION" }},
		{"built-in env_variable", "variables[0].env_variable", ErrUnsupported, func(e egg) { variable(e, 0)["env_variable"] = "SERVER_PORT" }},
		{"duplicate env_variable", "variables[2].env_variable", ErrInvalid, func(e egg) { variable(e, 2)["env_variable"] = "SERVER_JARFILE" }},
		{"unknown rule", "variables[0].rules", ErrUnsupported, rule("required|url")},
		{"alpha with an argument", "variables[0].rules", ErrUnsupported, rule("alpha:ascii")},
		{"regex flag x", "variables[0].rules", ErrUnsupported, rule("regex:/a b/x")},
		{"regex RE2 lacks", "variables[0].rules", ErrUnsupported, rule("regex:/^(?!admin).*$/")},
		{"regex bracket delimiters", "variables[0].rules", ErrUnsupported, rule("regex:{^a$}")},
		{"regex letter delimiter", "variables[0].rules", ErrUnsupported, rule("regex:a^ba")},
		{"regex and alpha_dash", "variables[0].rules", ErrUnsupported, rule("alpha_dash|regex:/^a/")},
		{"pattern on an integer", "variables[0].rules", ErrUnsupported, rule("integer|regex:/^[0-9]{4}$/")},
		{"bounds on a boolean", "variables[0].rules", ErrUnsupported, rule("boolean|max:1")},
		{"min above max", "variables[0].rules", ErrUnsupported, rule("string|min:5|max:3")},
		{"negative length", "variables[0].rules", ErrUnsupported, rule("string|min:-1")},
		{"numeric with a decimal default", "variables[0].rules", ErrUnsupported, func(e egg) {
			variable(e, 0)["rules"], variable(e, 0)["default_value"] = "numeric", "1.5"
		}},
		{"in against max", "variables[0].rules", ErrUnsupported, rule("string|max:3|in:ab,abcd")},
		{"rules not text", "variables[0].rules", ErrUnsupported, rule(7)},
		{"integer default", "variables[0].default_value", ErrInvalid, func(e egg) { variable(e, 0)["rules"] = "integer" }},
		{"option default", "variables[0].default_value", ErrInvalid, func(e egg) { variable(e, 0)["rules"] = "in:1.21,1.20" }},
		{"default too long", "variables[0].default_value", ErrInvalid, func(e egg) { variable(e, 0)["rules"] = "string|max:3" }},
		{"default against pattern", "variables[0].default_value", ErrInvalid, func(e egg) { variable(e, 0)["rules"] = "regex:/^[0-9]+$/" }},
		{"integer default out of range", "variables[0].default_value", ErrInvalid, func(e egg) {
			variable(e, 0)["rules"], variable(e, 0)["default_value"] = "integer|between:1,9", "10"
		}},
		{"no install container", "scripts.installation.container", ErrInvalid, func(e egg) { install(e)["container"] = "" }},
		{"entrypoint with arguments", "scripts.installation.entrypoint", ErrUnsupported, func(e egg) { install(e)["entrypoint"] = "bash -c" }},
		{"placeholder in script", "scripts.installation.script", ErrUnsupported, func(e egg) { install(e)["script"] = "echo {{SERVER_JARFILE}}" }},
		{"heredoc end in script", "scripts.installation.script", ErrUnsupported, func(e egg) {
			install(e)["script"] = "echo\n" + heredocEnd + "\nrm -rf /"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Convert(mutate(t, "paper", tt.change))
			assertField(t, err, tt.field, tt.sentinel)
		})
	}
}

// TestConvertNotJSON: something that is not JSON names the document.
func TestConvertNotJSON(t *testing.T) {
	_, _, err := Convert([]byte("name: paper"))
	assertField(t, err, "$", ErrInvalid)
}

// TestEditableCommandStringAdminOnly: a free-form string the egg lets users edit that reaches
// the startup command converts admin-only, with a note naming it (not refused, not dropped).
func TestEditableCommandStringAdminOnly(t *testing.T) {
	raw := mutate(t, "paper", func(e egg) { variable(e, 1)["user_editable"] = true })
	tpl, m, err := Convert(raw)
	if err != nil {
		t.Fatal(err)
	}
	name := m.Variables[1].EnvVariable
	if v := tpl.Variables[name]; v.UserEditable == nil || *v.UserEditable || tpl.UserEditable(name) {
		t.Errorf("%s: userEditable %v, want false", name, v.UserEditable)
	}
	if !noted(m.Notes, "variables[1].user_editable") {
		t.Errorf("no note names variables[1].user_editable: %q", m.Notes)
	}
}

func noted(notes []string, field string) bool {
	for _, n := range notes {
		if strings.HasPrefix(n, field+":") {
			return true
		}
	}
	return false
}
