package daemon

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon/internal/jsonfile"
	"github.com/skypanel/skypanel/runtime"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		mod   func(*Definition)
		inMsg string // the field named in the error; "" = valid
	}{
		{"valid", func(d *Definition) {}, ""},
		{"valid docker", func(d *Definition) { d.Environment, d.Image = runtime.EnvDocker, "busybox" }, ""},
		{"empty id", func(d *Definition) { d.ID = "" }, "id"},
		{"path in id", func(d *Definition) { d.ID = "../etc" }, "id"},
		{"long id", func(d *Definition) { d.ID = strings.Repeat("a", 65) }, "id"},
		{"unknown environment", func(d *Definition) { d.Environment = "vm" }, "environment"},
		{"docker without image", func(d *Definition) { d.Environment = runtime.EnvDocker }, "image"},
		{"no startup", func(d *Definition) { d.Startup = "" }, "startup"},
		{"port", func(d *Definition) { d.Port = 70000 }, "port"},
		{"ip", func(d *Definition) { d.IP = "300.1.1.1" }, "ip"},
		{"valid ip", func(d *Definition) { d.IP = "::1" }, ""},
		{"negative stop timeout", func(d *Definition) { d.StopTimeout = -1 }, "stopTimeout"},
		{"negative memory", func(d *Definition) { d.Limits.MemoryMiB = -5 }, "limits.memoryMiB"},
		{"absurd memory", func(d *Definition) { d.Limits.MemoryMiB = 1 << 40 }, "limits.memoryMiB"},
		{"swap below -1", func(d *Definition) { d.Limits.SwapMiB = -2 }, "limits.swapMiB"},
		{"absurd cpu", func(d *Definition) { d.Limits.CPUPercent = 1 << 30 }, "limits.cpuPercent"},
		{"io weight", func(d *Definition) { d.Limits.IOWeight = 5 }, "limits.ioWeight"},
		{"pids", func(d *Definition) { d.Limits.Pids = -1 }, "limits.pids"},
		{"disk", func(d *Definition) { d.Limits.DiskMiB = -1 }, "limits.diskMiB"},
		{"variable name", func(d *Definition) { d.Variables = map[string]string{"1X": "v"} }, "variables"},
		{"nul in env", func(d *Definition) { d.Env = map[string]string{"X": "a\x00b"} }, "env.X"},
		{"unknown placeholder", func(d *Definition) { d.Startup = "run {{NOPE}} {{ALSO}}" }, `startup: unknown variable "ALSO", "NOPE"`},
		{"malformed placeholder", func(d *Definition) { d.Startup = "run {{a b}}" }, `"a b"`},
		// stop signal, ready patterns, config files (validateRun)
		{"stop signals", func(d *Definition) { d.StopSignal = "SIGHUP" }, ""},
		{"SIGKILL is no stop signal", func(d *Definition) { d.StopSignal = "SIGKILL" }, "stopSignal"},
		{"lower case signal", func(d *Definition) { d.StopSignal = "sigint" }, "stopSignal"},
		{"ready", func(d *Definition) { d.Ready = []string{"Done", `regex:^\d+$`} }, ""},
		{"bad regexp", func(d *Definition) { d.Ready = []string{"ok", "regex:(a"} }, "ready[1]"},
		{"empty pattern", func(d *Definition) { d.Ready = []string{""} }, "ready[0]"},
		{"too many patterns", func(d *Definition) { d.Ready = make([]string, 17) }, "ready: 17 patterns"},
		{"config file", func(d *Definition) {
			d.ConfigFiles = []ConfigFile{{File: "server.properties", Parser: "properties",
				Set: []ConfigSet{{Key: "server-port", Value: "{{SERVER_PORT}}"}, {Key: "motd", Value: "{{MOTD}}"}}}}
			d.Variables = map[string]string{"MOTD": "hi"}
		}, ""},
		{"config parser", func(d *Definition) {
			d.ConfigFiles = []ConfigFile{{File: "a.toml", Parser: "toml", Set: []ConfigSet{{Key: "k", Value: "v"}}}}
		}, "configFiles[0]"},
		{"config placeholder", func(d *Definition) {
			d.ConfigFiles = []ConfigFile{{File: "a", Parser: "file", Set: []ConfigSet{{Key: "k", Value: "v"}, {Key: "k", Value: "{{NOPE}}"}}}}
		}, `configFiles[0].set[1].value: unknown variable "NOPE"`},
		{"config without keys", func(d *Definition) {
			d.ConfigFiles = []ConfigFile{{File: "a", Parser: "file"}}
		}, "configFiles[0].set"},
		{"too many config files", func(d *Definition) {
			d.ConfigFiles = make([]ConfigFile, 33)
		}, "configFiles: 33 files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := testDef("abc-123_X", "echo")
			tt.mod(&d)
			err := d.Validate()
			if tt.inMsg == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidDefinition) || !strings.Contains(err.Error(), tt.inMsg) {
				t.Fatalf("error %v, want ErrInvalidDefinition naming %q", err, tt.inMsg)
			}
		})
	}
}

func TestCommandAndEnv(t *testing.T) {
	d := testDef("s1", "java -Xmx{{SERVER_MEMORY}}M -jar {{ JAR }} --port {{SERVER_PORT}} --ip {{SERVER_IP}}")
	d.Variables = map[string]string{"JAR": "paper.jar", "SERVER_PORT": "1", "EXTRA": "e"}
	d.Env = map[string]string{"TZ": "UTC", "JAR": "overridden"}
	d.Port, d.IP = 25565, "10.0.0.2"
	env, err := d.RuntimeEnv()
	if err != nil {
		t.Fatal(err)
	}
	wantCmd := "java -Xmx512M -jar paper.jar --port 25565 --ip 10.0.0.2"
	want := map[string]string{
		"TZ": "UTC", "JAR": "paper.jar", "EXTRA": "e", "STARTUP": wantCmd,
		"SERVER_MEMORY": "512", "SERVER_PORT": "25565", "SERVER_IP": "10.0.0.2",
	}
	if !maps.Equal(env, want) {
		t.Fatalf("env %v\nwant %v", env, want)
	}
	spec, err := d.Spec("/data/volumes/s1")
	if err != nil || spec.Command != wantCmd || spec.Limits.MemoryMiB != 512 || spec.Dir != "/data/volumes/s1" {
		t.Fatalf("spec %+v %v", spec, err)
	}
}

func TestDefinitionJSON(t *testing.T) {
	d := testDef("s1", "echo")
	d.StopTimeout = Duration(90 * time.Second)
	d.Install = json.RawMessage(`[{"type":"mojangdl","version":"latest"}]`)
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"stopTimeout":"1m30s"`) {
		t.Fatalf("json %s", b)
	}
	var back Definition
	if err := json.Unmarshal(b, &back); err != nil || !sameDefinition(back, d) {
		t.Fatalf("round trip %+v %v", back, err)
	}
	var secs Definition
	if err := json.Unmarshal([]byte(`{"stopTimeout":15}`), &secs); err != nil || secs.StopTimeout != Duration(15*time.Second) {
		t.Fatalf("seconds: %v %v", secs.StopTimeout, err)
	}
	if err := json.Unmarshal([]byte(`{"stopTimeout":"soon"}`), &secs); err == nil {
		t.Fatal("bad duration accepted")
	}
}

func TestWriteJSONAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	for i := range 3 {
		if err := jsonfile.Write(path, record{State: StateRunning, Message: strings.Repeat("x", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var r record
	if err := jsonfile.Read(path, &r); err != nil || r.Message != "xx" {
		t.Fatalf("%+v %v", r, err)
	}
	if e, _ := os.ReadDir(dir); len(e) != 1 {
		t.Fatalf("temp files left: %v", e)
	}
	if err := jsonfile.Write(filepath.Join(dir, "missing", "x.json"), r); err == nil {
		t.Fatal("write into a missing folder succeeded")
	}
	st := store{root: dir}
	if r, err := st.readRecord("none"); err != nil || r.State != StateStopped {
		t.Fatalf("missing record: %+v %v", r, err)
	}
}
