package templates

import (
	"errors"
	"testing"
)

func TestUserEditableDefault(t *testing.T) {
	yes, no := true, false
	tpl := &Template{Name: "t",
		Run:     Run{Command: "java -Xmx{{memory}}M -jar {{jar}}", Stop: "{{stopcmd}}"},
		Install: []Step{{Type: StepCommand, Commands: []string{"echo {{script}}"}}, {Type: StepMojangDL, Version: "{{version}}"}},
		Variables: map[string]Variable{
			"memory": {Type: TypeInteger}, "jar": {Type: TypeString, UserEditable: &no}, "stopcmd": {Type: TypeString},
			"script": {Type: TypeString}, "version": {Type: TypeString}, "motd": {Type: TypeString, UserEditable: &no},
			"players": {Type: TypeInteger, UserEditable: &yes},
		}}
	want := map[string]bool{"memory": false, "jar": false, "stopcmd": false, "script": false, "version": true,
		"motd": false, "players": true, "unknown": false}
	for name, w := range want {
		if got := tpl.UserEditable(name); got != w {
			t.Errorf("UserEditable(%s) = %v, want %v", name, got, w)
		}
	}
}

// TestEditableStringInCommandRefused: a template cannot let users inject shell syntax.
func TestEditableStringInCommandRefused(t *testing.T) {
	raw := `{"name":"bad","display":"Bad","type":"generic","environments":["docker"],"install":[],
		"run":{"command":"run {{arg}}"},"variables":{"arg":{"type":"string","userEditable":true}}}`
	if _, err := Parse([]byte(raw)); !errors.Is(err, ErrInvalidTemplate) {
		t.Fatalf("err = %v, want ErrInvalidTemplate", err)
	}
}

// TestBuiltinEditable: the built-ins mark every variable explicitly, and none that feeds a
// command is a free-form string a user may set.
func TestBuiltinEditable(t *testing.T) {
	s := MustBuiltin()
	for _, tpl := range s.List(0, 0) {
		for name, v := range tpl.Variables {
			if v.UserEditable == nil {
				t.Errorf("%s: variable %s has no explicit userEditable", tpl.Name, name)
			}
		}
	}
	generic, _ := s.Get("generic")
	for _, name := range []string{"command", "stop", "install"} {
		if generic.UserEditable(name) {
			t.Errorf("generic: %s is user-editable", name)
		}
	}
	mc, _ := s.Get("minecraft-java")
	if mc.UserEditable("memory") || !mc.UserEditable("version") {
		t.Error("minecraft-java: memory must be admin-only, version user-editable")
	}
}
