package server_test

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/skypanel/skypanel/daemon"
)

// TestTemplateRunReachesNode: the definition the node holds carries the template's stop
// signal, ready patterns and config files (values with their placeholders: the node
// substitutes them before every start), for a stored template and for the Minecraft
// built-ins; a definition edit pushes them again.
func TestTemplateRunReachesNode(t *testing.T) {
	n := startTplNode(t)
	tpl := map[string]any{
		"name": "sigbot", "display": "Signal bot", "type": "generic", "supportedVersions": []string{},
		"environments": []string{"standard"}, "install": []map[string]any{},
		"run": map[string]any{"command": "trap 'exit 0' INT; echo READY; while :; do sleep 1; done", "stopSignal": "SIGINT",
			"ready": []string{"READY", "regex:^up [0-9]+$"}},
		"configFiles": []map[string]any{{"file": "conf/bot.ini", "parser": "ini", "set": []map[string]any{
			{"key": "net.port", "value": "{{SERVER_PORT}}"}, {"key": "net.ip", "value": "{{SERVER_IP}}"},
			{"key": "name", "value": "{{botname}}"}}}},
		"variables": map[string]any{"botname": map[string]any{"type": "string", "default": "bot", "max": 16}},
	}
	if r := n.env.DoJSON(t, http.MethodPost, "/api/templates", n.admin, tpl); r.Status != http.StatusCreated {
		t.Fatalf("POST template: %d %s", r.Status, r.Body)
	}
	n.mustCreate(t, "SIG1", map[string]any{"template": "sigbot", "environmentType": "standard"})
	n.waitState(t, "SIG1", "stopped")
	want := []daemon.ConfigFile{{File: "conf/bot.ini", Parser: "ini", Set: []daemon.ConfigSet{
		{Key: "net.port", Value: "{{SERVER_PORT}}"}, {Key: "net.ip", Value: "{{SERVER_IP}}"}, {Key: "name", Value: "{{botname}}"}}}}
	check := func(id, stopCommand, stopSignal string, ready []string, files []daemon.ConfigFile) {
		t.Helper()
		def, err := n.mgr.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if def.StopCommand != stopCommand || def.StopSignal != stopSignal || !reflect.DeepEqual(def.Ready, ready) ||
			!reflect.DeepEqual(def.ConfigFiles, files) {
			t.Errorf("%s: stop %q signal %q ready %q files %+v\nwant stop %q signal %q ready %q files %+v", id,
				def.StopCommand, def.StopSignal, def.Ready, def.ConfigFiles, stopCommand, stopSignal, ready, files)
		}
	}
	check("SIG1", "", "SIGINT", []string{"READY", "regex:^up [0-9]+$"}, want)

	if r := n.env.DoJSON(t, http.MethodPut, "/api/servers/SIG1/definition", n.admin, map[string]any{
		"variables": map[string]any{"botname": "renamed"}}); r.Status != http.StatusNoContent {
		t.Fatalf("edit: %d %s", r.Status, r.Body)
	}
	check("SIG1", "", "SIGINT", []string{"READY", "regex:^up [0-9]+$"}, want)

	n.mustCreate(t, "MCRUN1", map[string]any{"template": "minecraft-java", "environmentType": "standard",
		"variables": map[string]any{"eula": true}, "limits": map[string]any{"memory": 1024}})
	n.waitState(t, "MCRUN1", "stopped")
	check("MCRUN1", "stop", "", []string{")! For help, type"}, []daemon.ConfigFile{{File: "server.properties", Parser: "properties",
		Set: []daemon.ConfigSet{{Key: "server-port", Value: "{{SERVER_PORT}}"}, {Key: "query.port", Value: "{{SERVER_PORT}}"}}}})
}
