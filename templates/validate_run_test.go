package templates

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// richTemplate uses every field of the issue-15 format (stop signal, ready patterns, config
// files of every parser, bounded/patterned/hidden variables, a mounted command step).
const richTemplate = `{"name":"rich","display":"Rich","type":"java","environments":["docker"],
 "install":[{"type":"command","commands":["cd /mnt/server && echo eula=true > eula.txt"],"mount":"/mnt/server"}],
 "run":{"command":"java -Xmx{{SERVER_MEMORY}}M -jar {{jar}}","stopSignal":"SIGINT",
  "ready":[")! For help, type","regex:^Done \\([0-9.]+s\\)"]},
 "configFiles":[
  {"file":"server.properties","parser":"properties","set":[{"key":"server-port","value":"{{SERVER_PORT}}"},{"key":"motd","value":"{{motd}}"}]},
  {"file":"config/settings.yml","parser":"yaml","set":[{"key":"listeners.*.host","value":"{{SERVER_IP}}:{{SERVER_PORT}}"},{"key":"a.0.b","value":"x"}]},
  {"file":"cfg.json","parser":"json","set":[{"key":"port","value":"{{SERVER_PORT}}"}]},
  {"file":"game.ini","parser":"ini","set":[{"key":"Server.Port","value":"{{SERVER_PORT}}"},{"key":"top","value":"1"}]},
  {"file":"conf.xml","parser":"xml","set":[{"key":"server.listen.@port","value":"{{SERVER_PORT}}"}]},
  {"file":"start.cfg","parser":"file","set":[{"key":"port ","value":"port {{SERVER_PORT}}"}]}],
 "variables":{
  "jar":{"type":"string","default":"server.jar","min":1,"max":20,"pattern":"^[A-Za-z0-9._-]+$"},
  "motd":{"type":"string","default":"","max":59,"userEditable":true},
  "players":{"type":"integer","default":20,"min":1,"max":100},
  "secret":{"type":"string","default":"s3cret","hidden":true},
  "hiddenOK":{"type":"boolean","hidden":true,"userEditable":false}}}`

// TestValidateNewRules: the rich template is valid; each broken field is refused with
// ErrInvalidTemplate naming exactly that field.
func TestValidateNewRules(t *testing.T) {
	tpl, err := Parse([]byte(richTemplate))
	if err != nil {
		t.Fatalf("valid template: %v", err)
	}
	if tpl.Run.StopSignal != "SIGINT" || len(tpl.Run.Ready) != 2 || len(tpl.ConfigFiles) != 6 || tpl.Install[0].Mount != "/mnt/server" {
		t.Fatalf("fields not read: %+v %+v", tpl.Run, tpl.ConfigFiles)
	}
	many := func(n int, item string) string { return strings.TrimSuffix(strings.Repeat(item+",", n), ",") }
	cases := []struct{ name, from, to, field string }{
		{"unknown stop signal", `"stopSignal":"SIGINT"`, `"stopSignal":"SIGKILL"`, "run.stopSignal"},
		{"lower-case stop signal", `"stopSignal":"SIGINT"`, `"stopSignal":"sigint"`, "run.stopSignal"},
		{"empty ready pattern", `")! For help, type",`, `")! For help, type","",`, "run.ready[1]"},
		{"bad regex", `"regex:^Done \\([0-9.]+s\\)"`, `"regex:^Done ([0-9.]+s"`, "run.ready[1]"},
		{"empty regex", `"regex:^Done \\([0-9.]+s\\)"`, `"regex:"`, "run.ready[1]"},
		{"PCRE-only regex", `"regex:^Done \\([0-9.]+s\\)"`, `"regex:(?<=Done)x"`, "run.ready[1]"},
		{"long ready pattern", `")! For help, type"`, `"` + strings.Repeat("x", 513) + `"`, "run.ready[0]"},
		{"17 ready patterns", `"ready":[`, `"ready":[` + many(15, `"x"`) + `,`, "run.ready"},
		{"absolute file", `"file":"cfg.json"`, `"file":"/etc/passwd"`, "configFiles[2].file"},
		{"escaping file", `"file":"cfg.json"`, `"file":"../cfg.json"`, "configFiles[2].file"},
		{"unclean file", `"file":"cfg.json"`, `"file":"a/../cfg.json"`, "configFiles[2].file"},
		{"dot file", `"file":"cfg.json"`, `"file":"./cfg.json"`, "configFiles[2].file"},
		{"empty file", `"file":"cfg.json"`, `"file":""`, "configFiles[2].file"},
		{"file twice", `"file":"cfg.json"`, `"file":"server.properties"`, "configFiles[2].file"},
		{"unknown parser", `"parser":"json"`, `"parser":"toml"`, "configFiles[2].parser"},
		{"no set", `"set":[{"key":"port","value":"{{SERVER_PORT}}"}]`, `"set":[]`, "configFiles[2].set"},
		{"129 sets", `"set":[{"key":"port","value":"{{SERVER_PORT}}"}]`, `"set":[` + many(129, `{"key":"k","value":"v"}`) + `]`, "configFiles[2].set"},
		{"empty key", `{"key":"top","value":"1"}`, `{"key":"","value":"1"}`, "configFiles[3].set[1].key"},
		{"empty yaml path part", `"key":"a.0.b"`, `"key":"a..b"`, "configFiles[1].set[1].key"},
		{"xml attribute not last", `"key":"server.listen.@port"`, `"key":"server.@listen.port"`, "configFiles[4].set[0].key"},
		{"unknown placeholder in value", `"value":"{{motd}}"`, `"value":"{{server.build.default.port}}"`, "configFiles[0].set[1].value"},
		{"long value", `{"key":"top","value":"1"}`, `{"key":"top","value":"` + strings.Repeat("v", 4097) + `"}`, "configFiles[3].set[1].value"},
		{"33 config files", `"configFiles":[`, `"configFiles":[` + many(27, `{"file":"f","parser":"file","set":[{"key":"k","value":"v"}]}`) + `,`, "configFiles"},
		{"mount on a non-command step", `"type":"command","commands"`, `"type":"mkdir","files":["x"],"commands"`, "install[0].mount"},
		{"relative mount", `"mount":"/mnt/server"`, `"mount":"mnt/server"`, "install[0].mount"},
		{"unclean mount", `"mount":"/mnt/server"`, `"mount":"/mnt/../server"`, "install[0].mount"},
		{"root mount", `"mount":"/mnt/server"`, `"mount":"/"`, "install[0].mount"},
		{"system mount", `"mount":"/mnt/server"`, `"mount":"/etc"`, "install[0].mount"},
		{"mount beside a root", `"mount":"/mnt/server"`, `"mount":"/mntx/server"`, "install[0].mount"},
		{"mount with a colon", `"mount":"/mnt/server"`, `"mount":"/mnt/a:b"`, "install[0].mount"},
		{"mount with standard", `"environments":["docker"]`, `"environments":["docker","standard"]`, "install[0].mount"},
		{"mount standard only", `"environments":["docker"]`, `"environments":["standard"]`, "install[0].mount"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expectField(t, richTemplate, c.from, c.to, c.field)
		})
	}
}

// expectField replaces from by to in src and expects Parse to refuse it naming field.
func expectField(t *testing.T, src, from, to, field string) {
	t.Helper()
	bad := strings.Replace(src, from, to, 1)
	if bad == src {
		t.Fatalf("replacement %q not found", from)
	}
	_, err := Parse([]byte(bad))
	var fe *FieldError
	if !errors.Is(err, ErrInvalidTemplate) || !errors.As(err, &fe) || fe.Field != field {
		t.Fatalf("err = %v, want ErrInvalidTemplate naming field %q", err, field)
	}
	if !strings.Contains(err.Error(), field) {
		t.Errorf("message %q does not name %q", err, field)
	}
}

// TestValidateLimitsAccepted: exactly the maxima are accepted; standard-environment
// templates without a mount stay valid.
func TestValidateLimitsAccepted(t *testing.T) {
	ready := make([]string, MaxReady)
	for i := range ready {
		ready[i] = fmt.Sprintf("%q", fmt.Sprint("line ", i))
	}
	src := strings.Replace(richTemplate, `"ready":[")! For help, type","regex:^Done \\([0-9.]+s\\)"]`,
		`"ready":[`+strings.Join(ready, ",")+`]`, 1)
	src = strings.Replace(src, `,"mount":"/mnt/server"`, ``, 1)
	src = strings.Replace(src, `"environments":["docker"]`, `"environments":["docker","standard"]`, 1)
	tpl, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(tpl.Run.Ready) != MaxReady || tpl.Install[0].Mount != "" {
		t.Fatalf("run = %+v", tpl.Run)
	}
}

// TestStepValidateMount: the step's own check (the node's installer uses it too).
func TestStepValidateMount(t *testing.T) {
	cases := []struct {
		step Step
		ok   bool
	}{
		{Step{Type: StepCommand, Commands: []string{"x"}}, true},
		{Step{Type: StepCommand, Commands: []string{"x"}, Mount: "/mnt/server"}, true},
		{Step{Type: StepCommand, Commands: []string{"x"}, Mount: "/"}, false},
		{Step{Type: StepCommand, Commands: []string{"x"}, Mount: "/mnt/server/"}, false},
		{Step{Type: StepCommand, Commands: []string{"x"}, Mount: "/home/container"}, true},
		{Step{Type: StepCommand, Commands: []string{"x"}, Mount: "/tmp"}, true},
		{Step{Type: StepCommand, Commands: []string{"x"}, Mount: "/pufferpanel"}, true},
		{Step{Type: StepCommand, Commands: []string{"x"}, Mount: "/usr/local"}, false},
		{Step{Type: StepCommand, Commands: []string{"x"}, Mount: "/mnt/" + strings.Repeat("a", 252)}, false},
		{Step{Type: StepWriteFile, Target: "a", Mount: "/mnt/server"}, false},
	}
	for _, c := range cases {
		if err := c.step.Validate(); (err == nil) != c.ok {
			t.Errorf("%+v: Validate = %v, want ok=%v", c.step, err, c.ok)
		}
	}
}
