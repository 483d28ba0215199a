package nodeapi

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/backup"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

func ptr[T any](v T) *T { return &v }

func TestDefinitionRoundTrip(t *testing.T) {
	in := daemonapi.Definition{
		Id: "ABC12345", Name: "mc", Environment: daemonapi.EnvironmentDocker, Image: ptr("eclipse-temurin:21"),
		Startup: "java -Xmx{{MEM}}M -jar server.jar", Variables: &map[string]string{"MEM": "1024"},
		Env: &map[string]string{"TZ": "UTC"}, Ip: ptr("127.0.0.1"), Port: ptr(25565),
		StopCommand: ptr("stop"), StopTimeoutMs: ptr(int64(45500)), AutoRestart: ptr(true),
		Suspended: ptr(true), StopSignal: ptr(daemonapi.DefinitionStopSignalSIGINT),
		Ready: &[]string{"Done (", `regex:^\[.*\]: Timings Reset$`},
		ConfigFiles: &[]daemonapi.ConfigFile{
			{File: "server.properties", Parser: daemonapi.ConfigFileParserProperties, Set: []apiConfigSet{
				{Key: "server-port", Value: "{{SERVER_PORT}}"}, {Key: "motd", Value: "{{MOTD}}"}}},
			{File: "config/paper.yml", Parser: daemonapi.ConfigFileParserYaml, Set: []apiConfigSet{{Key: "a.*.b", Value: ""}}},
		},
		Limits: daemonapi.Limits{MemoryMiB: ptr(int64(1024)), SwapMiB: ptr(int64(-1)), CpuPercent: ptr(int64(150)),
			IoWeight: ptr(500), Pids: ptr(int64(256)), DiskMiB: ptr(int64(2048))},
		Install:        &map[string]any{"steps": []any{map[string]any{"kind": "download", "url": "https://example.invalid/a"}}},
		BackupCommands: &daemonapi.BackupCommands{Before: &[]string{"save-off"}, After: &[]string{"save-on"}, WaitMs: ptr(int64(1500))},
	}
	d, err := DefinitionFromAPI(in)
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []daemon.ConfigFile{
		{File: "server.properties", Parser: "properties", Set: []daemon.ConfigSet{
			{Key: "server-port", Value: "{{SERVER_PORT}}"}, {Key: "motd", Value: "{{MOTD}}"}}},
		{File: "config/paper.yml", Parser: "yaml", Set: []daemon.ConfigSet{{Key: "a.*.b", Value: ""}}},
	}
	if d.StopSignal != "SIGINT" || !reflect.DeepEqual(d.Ready, *in.Ready) || !reflect.DeepEqual(d.ConfigFiles, wantFiles) {
		t.Errorf("stop signal, ready, config files = %q %q %+v", d.StopSignal, d.Ready, d.ConfigFiles)
	}
	if time.Duration(d.StopTimeout) != 45500*time.Millisecond || d.Limits.IOWeight != 500 || d.Limits.SwapMiB != -1 || d.Image != "eclipse-temurin:21" || !d.Suspended {
		t.Errorf("daemon definition = %+v", d)
	}
	var plan map[string]any
	if err := json.Unmarshal(d.Install, &plan); err != nil || !reflect.DeepEqual(plan, *in.Install) {
		t.Errorf("install plan = %s (%v)", d.Install, err)
	}
	cmds := BackupCommandsFromAPI(*in.BackupCommands)
	if cmds.Wait != 1500*time.Millisecond || cmds.Before[0] != "save-off" || cmds.After[0] != "save-on" {
		t.Errorf("backup commands = %+v", cmds)
	}
	back, err := DefinitionToAPI(d, &cmds)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(in)
	b, _ := json.Marshal(back)
	if string(a) != string(b) {
		t.Errorf("round trip:\n in %s\nout %s", a, b)
	}
}

func TestDefinitionFromAPIRefusesWhatTheDaemonCannotHold(t *testing.T) {
	_, err := DefinitionFromAPI(daemonapi.Definition{Id: "a", Startup: "x", Limits: daemonapi.Limits{IoWeight: ptr(70000)}})
	if !errors.Is(err, daemon.ErrInvalidDefinition) {
		t.Errorf("ioWeight 70000: %v", err)
	}
}

func TestEventToAPI(t *testing.T) {
	line := daemon.ConsoleLine{Cursor: 7, Time: 1700000000000, Text: "hello"}
	ev := EventToAPI(daemon.Event{Kind: daemon.EventConsole, Line: line})
	if ev.Kind != daemonapi.EventKindConsole || ev.Line == nil || *ev.Line != (daemonapi.ConsoleLine{Cursor: 7, Time: 1700000000000, Text: "hello"}) || ev.Dropped != nil {
		t.Errorf("console = %+v", ev)
	}
	ev = EventToAPI(daemon.Event{Kind: daemon.EventConsole, Dropped: 3})
	if ev.Dropped == nil || *ev.Dropped != 3 {
		t.Errorf("dropped notice = %+v", ev)
	}
	ev = EventToAPI(daemon.Event{Kind: daemon.EventStatus, Status: daemon.StatusInfo{State: daemon.StateCrashed, Message: "exit 1"}})
	if ev.Status == nil || ev.Status.State != daemonapi.StateCrashed || *ev.Status.Message != "exit 1" {
		t.Errorf("status = %+v", ev)
	}
	ev = EventToAPI(daemon.Event{Kind: daemon.EventDeleted})
	if ev.Kind != daemonapi.EventKindDeleted {
		t.Errorf("deleted = %+v", ev)
	}
}

func TestBackupToAPI(t *testing.T) {
	now := time.Now().UTC()
	b := BackupToAPI(backup.Info{ID: "b1", Created: now, Size: 10, SHA256: "ab", State: backup.StateDone, Reason: "manual"})
	if b.Id != "b1" || !b.Created.Equal(now) || b.State != daemonapi.BackupStateDone || b.Size != 10 {
		t.Errorf("backup = %+v", b)
	}
}
