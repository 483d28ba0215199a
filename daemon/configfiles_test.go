package daemon

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/skypanel/skypanel/runtime"
)

// configDef is a server whose server.properties gets its port and a variable before starts.
func configDef(id, cmd string) Definition {
	def := testDef(id, cmd)
	def.Port, def.Variables = 25565, map[string]string{"MOTD": "hello"}
	def.ConfigFiles = []ConfigFile{{File: "server.properties", Parser: "properties", Set: []ConfigSet{
		{Key: "server-port", Value: "{{SERVER_PORT}}"}, {Key: "motd", Value: "{{MOTD}} on {{SERVER_PORT}}"}}}}
	return def
}

// TestConfigFilesBeforeEveryStart: the files are rewritten (created when missing, keys
// replaced, other lines kept) before a start, a restart and an automatic restart after a crash,
// each time before the runtime starts the process; an installation does not touch them.
func TestConfigFilesBeforeEveryStart(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	mustCreate(t, m, configDef("s1", "echo"))
	crashing := configDef("s2", "crash:2")
	crashing.AutoRestart = true
	mustCreate(t, m, crashing)

	if err := m.Install(ctx, "s1", func(context.Context, Definition, string, io.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	dir, _ := m.VolumeDir("s1")
	if _, err := os.Stat(filepath.Join(dir, "server.properties")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("install wrote the config file: %v", err)
	}

	var mu sync.Mutex
	seen := map[string][]string{} // the file as each Start found it, by server
	rt.beforeStart = func(spec runtime.Spec) {
		path := filepath.Join(spec.Dir, "server.properties")
		b, _ := os.ReadFile(path)
		mu.Lock()
		seen[spec.ID] = append(seen[spec.ID], string(b))
		mu.Unlock()
		_ = os.WriteFile(path, []byte("server-port=1\nlevel-name=world\n"), 0o644) // a hand edit
	}
	if err := m.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if err := m.Restart(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx, "s2"); err != nil {
		t.Fatal(err)
	}
	waitLine(t, m, "s2", "crash-loop guard") // crashed, restarted automatically, crashed again

	mu.Lock()
	defer mu.Unlock()
	want := []string{"server-port=25565", "motd=hello on 25565"}
	for id, n := range map[string]int{"s1": 2, "s2": 2} {
		if len(seen[id]) != n {
			t.Fatalf("%s: %d starts seen, want %d", id, len(seen[id]), n)
		}
		for i, text := range seen[id] {
			lines := strings.Split(strings.TrimSpace(text), "\n")
			for _, w := range want {
				if !slices.Contains(lines, w) {
					t.Errorf("%s start %d: file lacks %q:\n%s", id, i+1, w, text)
				}
			}
			if slices.Contains(lines, "server-port=1") {
				t.Errorf("%s start %d: the hand-edited port survived:\n%s", id, i+1, text)
			}
			if i > 0 && !slices.Contains(lines, "level-name=world") {
				t.Errorf("%s start %d: another key was lost:\n%s", id, i+1, text)
			}
		}
	}
}

// TestConfigFileFailureStopsStart: a config file that cannot be written fails the start: the
// error and the status message name the file, the process is not started, the server stays
// stopped.
func TestConfigFileFailureStopsStart(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	mustCreate(t, m, configDef("s1", "echo"))
	dir, _ := m.VolumeDir("s1")
	if err := os.Mkdir(filepath.Join(dir, "server.properties"), 0o755); err != nil { // a folder in the way
		t.Fatal(err)
	}
	err := m.Start(ctx, "s1")
	if !errors.Is(err, ErrInvalidState) || !strings.Contains(err.Error(), `config file "server.properties"`) {
		t.Fatalf("start: %v, want ErrInvalidState naming the file", err)
	}
	st, _ := m.Status("s1")
	if st.State != StateStopped || st.Running || !strings.Contains(st.Message, `config file "server.properties"`) {
		t.Fatalf("status %+v", st)
	}
	if n := rt.count("Start "); n != 0 {
		t.Fatalf("%d process starts", n)
	}
}
