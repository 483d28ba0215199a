package integration

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/runtime"
)

// TestRunFieldsHost runs the ready/stop-signal/config-file scenario with real host processes.
func TestRunFieldsHost(t *testing.T) {
	runFields(t, hostRuntime(t), "")
}

// TestRunFieldsContainerd runs the scenario in containers when SKYPANEL_TEST_CONTAINERD and
// SKYPANEL_TEST_IMAGE are set (scripts/containerd-test-env.sh).
func TestRunFieldsContainerd(t *testing.T) {
	cr, image := containerdRuntime(t)
	runFields(t, cr, image)
}

// trapINT boots, says READY after a while and ends cleanly on SIGINT only.
const trapINT = `trap 'echo got INT; exit 0' INT; echo booting; sleep 0.3; echo READY now; while :; do sleep 0.1; done`

// runFields: a server with ready patterns is starting, then running once its console says
// READY (status events in that order, after the line); its stop signal SIGINT ends it through
// its trap (a clean exit, no SIGKILL). A server's properties config file holds its port when
// the process starts.
func runFields(t *testing.T, rt runtime.Runtime, image string) {
	ctx := context.Background()
	m := newManager(t, openDir(t), rt)
	def := daemon.Definition{
		ID: "ready1", Name: "ready", Environment: rt.Environment(), Image: image, Startup: trapINT,
		StopSignal: "SIGINT", Ready: []string{"READY"}, Limits: daemon.Limits{MemoryMiB: 256},
	}
	must(t, m.Create(ctx, def))
	t.Cleanup(func() { _ = m.Delete(context.Background(), "ready1") })
	sub, err := m.Subscribe("ready1", 1024)
	must(t, err)
	defer sub.Close()
	must(t, m.Start(ctx, "ready1"))
	var states []daemon.State
	sawReady := false
	for ev := range sub.C() {
		if ev.Kind == daemon.EventConsole && strings.Contains(ev.Line.Text, "READY now") {
			sawReady = true
		}
		if ev.Kind != daemon.EventStatus || !ev.Status.Running {
			continue
		}
		states = append(states, ev.Status.State)
		if ev.Status.State == daemon.StateRunning {
			if !sawReady {
				t.Fatalf("running before the READY line (states %v)", states)
			}
			break
		}
	}
	if states[0] != daemon.StateStarting {
		t.Fatalf("states with a process %v, want starting first", states)
	}
	must(t, m.Stop(ctx, "ready1"))
	if st, _ := m.Status("ready1"); st.State != daemon.StateStopped {
		t.Fatalf("after stop: %+v", st)
	}
	c := console(m, "ready1")
	for _, want := range []string{"sending SIGINT", "got INT", "server stopped (exit code 0)"} {
		if !strings.Contains(c, want) {
			t.Fatalf("console lacks %q:\n%s", want, c)
		}
	}
	if strings.Contains(c, "SIGKILL") {
		t.Fatalf("the stop escalated:\n%s", c)
	}

	cfg := daemon.Definition{
		ID: "cfg1", Name: "cfg", Environment: rt.Environment(), Image: image, IP: "127.0.0.1", Port: 25599,
		Startup: `cat server.properties; echo ready; while read line; do [ "$line" = stop ] && exit 0; done`, StopCommand: "stop",
		Variables: map[string]string{"MOTD": "hi"}, Limits: daemon.Limits{MemoryMiB: 256},
		ConfigFiles: []daemon.ConfigFile{{File: "server.properties", Parser: "properties", Set: []daemon.ConfigSet{
			{Key: "server-port", Value: "{{SERVER_PORT}}"}, {Key: "motd", Value: "{{MOTD}} at {{SERVER_IP}}"}}}},
	}
	must(t, m.Create(ctx, cfg))
	t.Cleanup(func() { _ = m.Delete(context.Background(), "cfg1") })
	must(t, m.Start(ctx, "cfg1"))
	waitLine(t, m, "cfg1", "ready")
	if c := console(m, "cfg1"); !strings.Contains(c, "server-port=25599") || !strings.Contains(c, "motd=hi at 127.0.0.1") {
		t.Fatalf("the process did not find its config file:\n%s", c)
	}
	dir, err := m.VolumeDir("cfg1")
	must(t, err)
	b, err := os.ReadFile(filepath.Join(dir, "server.properties"))
	must(t, err)
	if !strings.Contains(string(b), "server-port=25599\n") {
		t.Fatalf("server.properties:\n%s", b)
	}
	must(t, m.Stop(ctx, "cfg1"))
}
