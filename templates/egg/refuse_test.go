package egg

import (
	"encoding/json"
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
		{"file parsers as a string", "config.files", ErrUnsupported, func(e egg) {
			config(e)["files"] = `{"server.properties":{"parser":"properties","find":{"server-port":"{{server.build.default.port}}"}}}`
		}},
		{"file parsers as an object", "config.files", ErrUnsupported, func(e egg) {
			config(e)["files"] = egg{"a.json": egg{"parser": "json", "find": egg{"port": 1}}}
		}},
		{"files not JSON", "config.files", ErrInvalid, func(e egg) { config(e)["files"] = "{nope" }},
		{"startup not an object", "config.startup", ErrInvalid, func(e egg) { config(e)["startup"] = "[1]" }},
		{"done not text", "config.startup.done", ErrInvalid, func(e egg) { config(e)["startup"] = egg{"done": 5} }},
		{"hidden variable", "variables[1].user_viewable", ErrUnsupported, func(e egg) { variable(e, 1)["user_viewable"] = false }},
		{"no env_variable", "variables[0].env_variable", ErrInvalid, func(e egg) { variable(e, 0)["env_variable"] = "" }},
		{"built-in env_variable", "variables[0].env_variable", ErrUnsupported, func(e egg) { variable(e, 0)["env_variable"] = "SERVER_PORT" }},
		{"duplicate env_variable", "variables[2].env_variable", ErrInvalid, func(e egg) { variable(e, 2)["env_variable"] = "SERVER_JARFILE" }},
		{"unknown rule", "variables[0].rules", ErrUnsupported, func(e egg) { variable(e, 0)["rules"] = "required|alpha_dash" }},
		{"max", "variables[0].rules", ErrUnsupported, func(e egg) { variable(e, 0)["rules"] = "required|string|max:20" }},
		{"min", "variables[0].rules", ErrUnsupported, func(e egg) { variable(e, 0)["rules"] = "string|min:2" }},
		{"between", "variables[0].rules", ErrUnsupported, func(e egg) { variable(e, 0)["rules"] = "integer|between:1,9" }},
		{"regex", "variables[0].rules", ErrUnsupported, func(e egg) { variable(e, 0)["rules"] = "regex:/^[0-9.]+$/" }},
		{"numeric", "variables[0].rules", ErrUnsupported, func(e egg) { variable(e, 0)["rules"] = "numeric" }},
		{"in against max", "variables[0].rules", ErrUnsupported, func(e egg) { variable(e, 0)["rules"] = "string|max:3|in:ab,abcd" }},
		{"rules not text", "variables[0].rules", ErrUnsupported, func(e egg) { variable(e, 0)["rules"] = 7 }},
		{"integer default", "variables[0].default_value", ErrInvalid, func(e egg) { variable(e, 0)["rules"] = "integer" }},
		{"option default", "variables[0].default_value", ErrInvalid, func(e egg) { variable(e, 0)["rules"] = "in:1.21,1.20" }},
		{"editable string in startup", "variables[1].user_editable", ErrUnsupported, func(e egg) { variable(e, 1)["user_editable"] = true }},
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
