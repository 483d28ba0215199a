package egg

import (
	"encoding/json"
	"testing"

	"github.com/skypanel/skypanel/templates"
)

// TestFindMapping: each parser's Wings key and value become the template's key and value.
func TestFindMapping(t *testing.T) {
	tpl := &templates.Template{Variables: map[string]templates.Variable{"MOTD": {Type: templates.TypeString}}}
	for _, tt := range []struct {
		parser, key, value string // value as JSON
		wantKey, wantValue string
	}{
		{"properties", "server-port", `"{{server.build.default.port}}"`, "server-port", "{{SERVER_PORT}}"},
		{"properties", "motd", `"{{env.MOTD}} on {{ server.build.default.ip }}"`, "motd", "{{MOTD}} on {{SERVER_IP}}"},
		{"properties", "port", `"{{env.SERVER_PORT}}"`, "port", "{{SERVER_PORT}}"}, // Pterodactyl's legacy form
		{"properties", "mem", `"{{server.build.env.SERVER_MEMORY}}"`, "mem", "{{SERVER_MEMORY}}"},
		{"properties", "literal", `"a {{ b"`, "literal", "a {{ b"},
		{"json", "a.b", `25565`, "a.b", "25565"},
		{"json", "a.b", `false`, "a.b", "false"},
		{"yaml", "listeners[0].host", `"x"`, "listeners.0.host", "x"},
		{"yaml", "a[1].b[2].c", `"x"`, "a.1.b.2.c", "x"},
		{"yaml", "servers.*.address", `"x"`, "servers.*.address", "x"},
		{"ini", "Port", `"1"`, "Port", "1"},
		{"ini", "Net.Port", `"1"`, "Net.Port", "1"},
		{"ini", "Net.a.b", `"1"`, "Net.a.b", "1"},
		{"ini", "[Net].Port", `"1"`, "Net.Port", "1"},
		{"ini", "[Net].x.y", `"1"`, "Net.x.y", "1"},
		{"xml", "Config.Port", `"{{server.build.default.port}}"`, "Config.Port", "{{SERVER_PORT}}"},
		{"xml", "Config.Bind", `"[address='{{server.build.default.ip}}']"`, "Config.Bind.@address", "{{SERVER_IP}}"},
		{"xml", "Config.Bind", `"[not an attribute]"`, "Config.Bind", "[not an attribute]"},
		{"file", "hostname ", `"hostname x"`, "hostname ", "hostname x"},
	} {
		got, err := convertFind(tt.parser, member{Key: tt.key, Value: json.RawMessage(tt.value)}, tpl)
		if err != nil || got.Key != tt.wantKey || got.Value != tt.wantValue {
			t.Errorf("%s %q = %q: got %+v, %v; want %q = %q", tt.parser, tt.key, tt.value, got, err, tt.wantKey, tt.wantValue)
		}
	}
}
