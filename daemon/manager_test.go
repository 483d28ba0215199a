package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/runtime"
)

// entries lists what is under dir (recursively), relative to it.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if p != dir && err == nil {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func TestCreateFailureLeavesNothing(t *testing.T) {
	tests := []struct {
		name    string
		def     func() Definition
		rtErr   error
		wantErr error
		after   func(runtime.Spec) // breaks the step after the instance was created
	}{
		{"runtime refuses", func() Definition { return testDef("s1", "echo") }, runtime.ErrImage, runtime.ErrImage, nil},
		{"state file unwritable", func() Definition { return testDef("s1", "echo") }, nil, fs.ErrNotExist,
			func(spec runtime.Spec) {
				_ = os.RemoveAll(filepath.Join(filepath.Dir(filepath.Dir(spec.Dir)), serversDir, spec.ID))
			}},
		{"unknown placeholder", func() Definition { return testDef("s1", "java -jar {{JAR}}") }, nil, ErrInvalidDefinition, nil},
		{"environment not on node", func() Definition {
			d := testDef("s1", "echo")
			d.Environment, d.Image = runtime.EnvDocker, "busybox"
			return d
		}, nil, ErrInvalidDefinition, nil},
		{"negative memory", func() Definition {
			d := testDef("s1", "echo")
			d.Limits.MemoryMiB = -1
			return d
		}, nil, ErrInvalidDefinition, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newFakeRT(runtime.EnvStandard)
			rt.createErr, rt.afterCreate = tt.rtErr, tt.after
			m := newTestManager(t, rt, nil)
			err := m.Create(context.Background(), tt.def())
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if left := entries(t, m.opts.DataDir); len(left) > 2 { // at most the empty parents
				t.Fatalf("left behind: %v", left)
			}
			for _, e := range entries(t, m.opts.DataDir) {
				if e != serversDir && e != volumesDir {
					t.Fatalf("left behind: %v", e)
				}
			}
			if st, _ := rt.State(context.Background(), "s1"); st != runtime.StateAbsent {
				t.Fatalf("instance left: %s", st)
			}
			if tt.after != nil && rt.count("Delete s1") != 1 {
				t.Fatalf("created instance not deleted: %v", rt.Calls())
			}
			if _, err := m.Get("s1"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("get after failed create: %v", err)
			}
		})
	}
}

func TestCreateLayoutAndIdempotence(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	def := testDef("s1", "java -Xmx{{SERVER_MEMORY}}M -jar {{JAR}}")
	def.Variables = map[string]string{"JAR": "server.jar"}
	mustCreate(t, m, def)
	got := entries(t, m.opts.DataDir)
	slices.Sort(got)
	want := []string{"servers", "servers/s1", "servers/s1/console.log", "servers/s1/definition.json", "servers/s1/state.json", "volumes", "volumes/s1"}
	if !slices.Equal(got, want) {
		t.Fatalf("layout %v, want %v", got, want)
	}
	in, _ := rt.inst("s1")
	if in.spec.Command != "java -Xmx512M -jar server.jar" || in.spec.Env["STARTUP"] != in.spec.Command ||
		in.spec.Dir != filepath.Join(m.st.root, "volumes", "s1") {
		t.Fatalf("spec %+v", in.spec)
	}
	if err := m.Create(context.Background(), def.Clone()); err != nil {
		t.Fatalf("identical create again: %v", err)
	}
	def.Name = "other"
	if err := m.Create(context.Background(), def); !errors.Is(err, ErrExists) {
		t.Fatalf("different create: %v", err)
	}
	if n := rt.count("Create "); n != 1 {
		t.Fatalf("%d runtime creates", n)
	}
	if l := m.List(); len(l) != 1 || l[0].Name != "test s1" {
		t.Fatalf("list %+v", l)
	}
}

func TestUpdate(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	def := testDef("s1", "echo")
	mustCreate(t, m, def)

	// Stopped, command changed: the instance is recreated now.
	def.Startup = "ignore-stop"
	if applied, err := m.Update(ctx, def); err != nil || applied != AppliedNextStart {
		t.Fatalf("update of a stopped server: %q, %v (want next-start)", applied, err)
	}
	if in, _ := rt.inst("s1"); in.spec.Command != "ignore-stop" {
		t.Fatalf("instance not recreated: %q", in.spec.Command)
	}
	// Stopped, limits changed: runtime.Update, no recreate. (Memory is also SERVER_MEMORY in
	// the environment, so changing it recreates; CPU does not.)
	def.Limits.CPUPercent = 150
	creates := rt.count("Create ")
	if applied, err := m.Update(ctx, def); err != nil || applied != AppliedNextStart {
		t.Fatalf("update of a stopped server: %q, %v (want next-start)", applied, err)
	}
	if rt.count("Update s1 mem=512 cpu=150") != 1 || rt.count("Create ") != creates {
		t.Fatalf("calls %v", rt.Calls())
	}
	// Running: limits live, command at next start.
	if err := m.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	def.Limits.MemoryMiB = 2048
	def.Startup = "echo"
	def.Name = "renamed"
	if applied, err := m.Update(ctx, def); err != nil || applied != AppliedLive {
		t.Fatalf("update of a running server: %q, %v (want live)", applied, err)
	}
	if rt.count("Update s1 mem=2048 cpu=150") != 1 {
		t.Fatalf("limits not applied live: %v", rt.Calls())
	}
	if in, _ := rt.inst("s1"); in.spec.Command != "ignore-stop" {
		t.Fatal("running instance was recreated")
	}
	if err := m.Kill(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if in, _ := rt.inst("s1"); in.spec.Command != "echo" || in.limits.MemoryMiB != 2048 {
		t.Fatalf("not applied at next start: %+v", in.spec)
	}
	if got, _ := m.Get("s1"); got.Name != "renamed" {
		t.Fatalf("name %q", got.Name)
	}
	// Invalid updates change nothing.
	bad := def
	bad.Environment, bad.Image = runtime.EnvDocker, "img"
	if _, err := m.Update(ctx, bad); !errors.Is(err, ErrInvalidDefinition) {
		t.Fatalf("environment change: %v", err)
	}
	if _, err := m.Update(ctx, testDef("nope", "echo")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown server: %v", err)
	}
}

func TestDeleteRunning(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	mustCreate(t, m, testDef("s1", "ignore-term"))
	if err := os.WriteFile(filepath.Join(m.st.volumeDir("s1"), "world.dat"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if st, _ := rt.State(ctx, "s1"); st != runtime.StateAbsent {
		t.Fatalf("instance %s", st)
	}
	if left := entries(t, m.opts.DataDir); len(left) != 2 {
		t.Fatalf("left behind: %v", left)
	}
	if _, err := m.Status("s1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("status after delete: %v", err)
	}
	if err := m.Delete(ctx, "s1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestStats(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	rt.stats = runtime.Stats{CPUPercent: 50, MemoryBytes: 1 << 20, MemoryLimit: 256 << 20}
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	mustCreate(t, m, testDef("s1", "echo"))
	if st, err := m.Stats(ctx, "s1"); err != nil || st != (runtime.Stats{MemoryLimit: 512 << 20}) {
		t.Fatalf("stopped: %+v %v", st, err)
	}
	if err := m.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if st, err := m.Stats(ctx, "s1"); err != nil || st != rt.stats {
		t.Fatalf("running: %+v %v", st, err)
	}
}

// TestStatsUnlimitedMemory checks that a server without a memory limit reports the host's
// memory (MemTotal of /proc/meminfo) as its total, stopped and running.
func TestStatsUnlimitedMemory(t *testing.T) {
	raw, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Skip("no /proc/meminfo")
	}
	var kb uint64
	for _, line := range strings.Split(string(raw), "\n") {
		if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
			break
		}
	}
	if kb == 0 {
		t.Fatal("no MemTotal in /proc/meminfo")
	}
	rt := newFakeRT(runtime.EnvStandard)
	rt.stats = runtime.Stats{CPUPercent: 5, MemoryBytes: 1 << 20}
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	def := testDef("s1", "echo")
	def.Limits.MemoryMiB = 0
	mustCreate(t, m, def)
	if st, err := m.Stats(ctx, "s1"); err != nil || st.MemoryLimit != kb<<10 {
		t.Fatalf("stopped: %+v %v, want memory limit %d", st, err, kb<<10)
	}
	if err := m.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if st, err := m.Stats(ctx, "s1"); err != nil || st.MemoryLimit != kb<<10 || st.MemoryBytes != 1<<20 {
		t.Fatalf("running: %+v %v, want memory limit %d", st, err, kb<<10)
	}
}

func TestInstall(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	ctx := context.Background()
	mustCreate(t, m, testDef("s1", "echo"))
	err := m.Install(ctx, "s1", func(_ context.Context, def Definition, dir string, out io.Writer) error {
		_, _ = io.WriteString(out, "downloading "+def.ID+"\n")
		return os.WriteFile(filepath.Join(dir, "server.jar"), []byte("jar"), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := m.Status("s1"); st.State != StateStopped {
		t.Fatalf("state %s", st.State)
	}
	if _, err := os.Stat(filepath.Join(m.st.volumeDir("s1"), "server.jar")); err != nil {
		t.Fatal(err)
	}
	text := consoleText(t, m, "s1")
	if !strings.Contains(text, "downloading s1") || !strings.Contains(text, DaemonPrefix+"installation finished") {
		t.Fatalf("console:\n%s", text)
	}
	err = m.Install(ctx, "s1", func(context.Context, Definition, string, io.Writer) error {
		return errors.New("hash mismatch")
	})
	st, _ := m.Status("s1")
	if err == nil || st.State != StateInstallFailed || st.Message != "hash mismatch" {
		t.Fatalf("failed install: %v, %+v", err, st)
	}
}
