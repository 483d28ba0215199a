package server

import (
	"context"
	"reflect"
	"testing"
	"testing/fstest"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/templates"
)

// definitionTemplates: an egg-like template (SIGINT, ready patterns, config files with
// placeholders) and one with no stop command and no signal.
var definitionTemplates = fstest.MapFS{
	"egglike.json": {Data: []byte(`{"name":"egglike","display":"E","type":"java","environments":["docker"],"install":[],
	 "run":{"command":"java -jar {{jar}}","stopSignal":"SIGINT","stopTimeout":12,"ready":[")! For help, type","regex:^Done \\("]},
	 "configFiles":[
	  {"file":"server.properties","parser":"properties","set":[{"key":"server-port","value":"{{SERVER_PORT}}"},{"key":"query.port","value":"{{SERVER_PORT}}"}]},
	  {"file":"config/bungee.yml","parser":"yaml","set":[{"key":"listeners.*.host","value":"{{SERVER_IP}}:{{SERVER_PORT}}"},{"key":"motd","value":"{{motd}}"}]}],
	 "variables":{"jar":{"type":"string","default":"server.jar"},"motd":{"type":"string","default":"hi"}}}`)},
	"plain.json": {Data: []byte(`{"name":"plain","display":"P","type":"native","environments":["standard"],"install":[],
	 "run":{"command":"./run"},"variables":{}}`)},
}

// TestTemplateDefinitionRunFields: the node's definition carries the template's stop signal,
// ready patterns and config files (values with their placeholders, for the node to
// substitute); a template with neither stop command nor signal leaves both empty (SIGTERM).
func TestTemplateDefinitionRunFields(t *testing.T) {
	set, err := templates.Load(definitionTemplates)
	if err != nil {
		t.Fatal(err)
	}
	store := templateStore{builtin: set}
	define := func(name string) daemon.Definition {
		t.Helper()
		d := daemon.Definition{ID: "DEF1", Port: 25570, IP: "127.0.0.1", StopCommand: "stop",
			Variables: map[string]string{"jar": "server.jar", "motd": "hi"}}
		if _, err := templateDefinition(context.Background(), store, &d, &ent.Server{ID: "DEF1", Template: &name}); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := define("egglike")
	if d.StopCommand != "" || d.StopSignal != "SIGINT" || time.Duration(d.StopTimeout) != 12*time.Second {
		t.Errorf("stop = %q / %q after %s", d.StopCommand, d.StopSignal, time.Duration(d.StopTimeout))
	}
	if want := []string{")! For help, type", `regex:^Done \(`}; !reflect.DeepEqual(d.Ready, want) {
		t.Errorf("ready = %q, want %q", d.Ready, want)
	}
	want := []daemon.ConfigFile{
		{File: "server.properties", Parser: "properties", Set: []daemon.ConfigSet{
			{Key: "server-port", Value: "{{SERVER_PORT}}"}, {Key: "query.port", Value: "{{SERVER_PORT}}"}}},
		{File: "config/bungee.yml", Parser: "yaml", Set: []daemon.ConfigSet{
			{Key: "listeners.*.host", Value: "{{SERVER_IP}}:{{SERVER_PORT}}"}, {Key: "motd", Value: "{{motd}}"}}},
	}
	if !reflect.DeepEqual(d.ConfigFiles, want) {
		t.Errorf("configFiles = %+v,\nwant %+v", d.ConfigFiles, want)
	}
	tpl, _ := set.Get("egglike")
	d.ConfigFiles[0].Set[0].Value = "changed"
	if tpl.ConfigFiles[0].Set[0].Value != "{{SERVER_PORT}}" {
		t.Error("the definition shares the (shared, read-only) template's config files")
	}

	p := define("plain")
	if p.StopCommand != "" || p.StopSignal != "" || p.Ready != nil || p.ConfigFiles != nil {
		t.Errorf("plain template: stop %q signal %q ready %q files %+v", p.StopCommand, p.StopSignal, p.Ready, p.ConfigFiles)
	}
	if time.Duration(p.StopTimeout) != templates.DefaultStopTimeout*time.Second {
		t.Errorf("plain stop timeout %s", time.Duration(p.StopTimeout))
	}
}
