package nodeapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/backup"
	"github.com/skypanel/skypanel/daemon/files"
	"github.com/skypanel/skypanel/gen/daemonapi"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/fake"
)

type testLog struct{ t testing.TB }

func (w testLog) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

// newTestService is a Service over a real daemon.Manager with the fake runtime (standard).
func newTestService(t *testing.T) (*Service, *fake.Runtime) {
	t.Helper()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(testLog{t}, nil))
	fr := fake.New(fake.Options{Environment: rt.EnvStandard, ExitOnLine: "stop"})
	runtimes := map[string]rt.Runtime{rt.EnvStandard: fr}
	m, err := daemon.New(daemon.Options{DataDir: dir, Runtimes: runtimes, Logger: log,
		StopTimeout: 2 * time.Second, TermTimeout: time.Second, StatsInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{DataDir: dir, Runtimes: runtimes, Manager: m, Logger: log, NodeID: 7, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return s, fr
}

func testDef(id string) daemonapi.Definition {
	return daemonapi.Definition{Id: id, Name: "test " + id, Environment: daemonapi.EnvironmentStandard,
		Startup: "echo ready; read line", StopCommand: ptr("stop"),
		Limits: daemonapi.Limits{MemoryMiB: ptr(int64(256)), DiskMiB: ptr(int64(10))}}
}

// waitState polls the status until it is want (the background stop/restart).
func waitState(t *testing.T, s *Service, id string, want daemonapi.State) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for {
		st, err := s.Status(ctx, id)
		if err == nil && st.State == want {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("server %s never became %s (last %+v, %v)", id, want, st, err)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestServiceLifecycle(t *testing.T) {
	s, _ := newTestService(t)
	ctx := t.Context()
	def := testDef("srv1")
	def.BackupCommands = &daemonapi.BackupCommands{Before: &[]string{"save-off"}, After: &[]string{"save-on"}}
	if err := s.CreateServer(ctx, def); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateServer(ctx, testDef("srv1b")); err != nil {
		t.Fatal(err)
	}
	h, err := s.Health(ctx)
	if err != nil || h.NodeId != 7 || h.Servers != 2 || h.BootId == "" || h.Version != "test" || h.Time <= 0 {
		t.Fatalf("health = %+v, %v", h, err)
	}
	list, err := s.ListServers(ctx)
	if err != nil || len(list) != 2 || list[0].Id != "srv1" || list[1].Id != "srv1b" || list[0].State != daemonapi.StateStopped {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if err := s.Power(ctx, "srv1", daemonapi.PowerRequestActionStart); err != nil {
		t.Fatal(err)
	}
	st, err := s.Status(ctx, "srv1")
	if err != nil || st.State != daemonapi.StateRunning || !st.Running {
		t.Fatalf("status after start = %+v, %v", st, err)
	}
	stream, err := s.Events(ctx, "srv1", 64)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if err := s.SendCommand(ctx, "srv1", "hello"); err != nil {
		t.Fatal(err)
	}
	waitLine(t, stream, "echo:hello")
	page, err := s.Console(ctx, "srv1", 0)
	if err != nil || !contains(page.Lines, "echo:hello") || page.Cursor == 0 {
		t.Fatalf("console = %+v, %v", page, err)
	}
	if _, err := s.Stats(ctx, "srv1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Power(ctx, "srv1", daemonapi.PowerRequestActionStop); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "srv1", daemonapi.StateStopped)
	if err := s.Power(ctx, "srv1", daemonapi.PowerRequestActionStop); err != nil { // idempotent
		t.Fatalf("stop of a stopped server: %v", err)
	}
	if err := s.DeleteServer(ctx, "srv1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteServer(ctx, "srv1"); err != nil {
		t.Fatalf("deleting an unknown id: %v", err)
	}
	_, err = s.Status(ctx, "srv1")
	if code, status := CodeOf(err); !errors.Is(err, daemon.ErrNotFound) || code != daemonapi.DaemonErrorCodeErrServerNotFound || status != 404 {
		t.Fatalf("status of a deleted server: %v (%s %d)", err, code, status)
	}
}

func waitLine(t *testing.T, stream EventStream, text string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-stream.C():
			if !ok {
				t.Fatalf("stream closed before %q (%v)", text, stream.Err())
			}
			if ev.Kind == daemonapi.EventKindConsole && ev.Line.Text == text {
				return
			}
		case <-timeout:
			t.Fatalf("no console line %q", text)
		}
	}
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}

func TestServiceCreateInvalid(t *testing.T) {
	s, _ := newTestService(t)
	def := testDef("bad")
	def.Startup = ""
	err := s.CreateServer(t.Context(), def)
	if code, _ := CodeOf(err); code != daemonapi.DaemonErrorCodeErrInvalidDefinition {
		t.Fatalf("empty startup: %v (%s)", err, code)
	}
	if err := s.CreateServer(t.Context(), testDef("dup")); err != nil {
		t.Fatal(err)
	}
	other := testDef("dup")
	other.Startup = "echo other"
	if err := s.CreateServer(t.Context(), other); !errors.Is(err, daemon.ErrExists) {
		t.Fatalf("a second create with another definition: %v", err)
	}
}

// TestServiceWithoutManager: without a daemon every server operation is an UnavailableError
// naming the node; Features still answers.
func TestServiceWithoutManager(t *testing.T) {
	s, err := New(Options{DataDir: t.TempDir(), NodeID: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateServer(t.Context(), testDef("x")); !errors.Is(err, ErrUnavailable) {
		t.Errorf("create: %v", err)
	}
	_, err = s.ReadFile(t.Context(), "x", "/", 1, 10)
	if id, ok := NodeIDOf(err); !errors.Is(err, ErrUnavailable) || !ok || id != 5 {
		t.Errorf("read: %v (node %d, %v)", err, id, ok)
	}
	_, err = s.Health(t.Context())
	if id, _ := NodeIDOf(err); !errors.Is(err, ErrUnavailable) || id != 5 {
		t.Errorf("health: %v", err)
	}
	f, err := s.Features(t.Context())
	if err != nil || f.Docker || f.Standard || len(f.Environments) != 0 || f.DockerReason == nil {
		t.Errorf("features = %+v, %v", f, err)
	}
}

func TestServiceFeatures(t *testing.T) {
	s, _ := newTestService(t)
	f, err := s.Features(t.Context())
	if err != nil || !f.Standard || f.Docker || len(f.Environments) != 1 || f.Environments[0] != daemonapi.EnvironmentStandard {
		t.Errorf("features = %+v, %v", f, err)
	}
	if _, err := s.System(t.Context()); err != nil {
		t.Errorf("system: %v", err)
	}
}

func TestServiceFiles(t *testing.T) {
	s, _ := newTestService(t)
	ctx := t.Context()
	if err := s.CreateServer(ctx, testDef("files")); err != nil {
		t.Fatal(err)
	}
	if err := s.MakeFolder(ctx, "files", "cfg/sub"); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteFile(ctx, "files", "cfg/a.txt", strings.NewReader("hello"), 5); err != nil {
		t.Fatal(err)
	}
	r, err := s.ReadFile(ctx, "files", "cfg/a.txt", 1, 10)
	if err != nil || r.File == nil || r.Listing != nil {
		t.Fatalf("read file = %+v, %v", r, err)
	}
	if _, ok := r.File.Body.(*os.File); !ok {
		t.Errorf("body is %T, want *os.File", r.File.Body)
	}
	b, _ := io.ReadAll(r.File.Body)
	r.File.Body.Close()
	if string(b) != "hello" || r.File.Size != 5 || !strings.HasPrefix(r.File.ETag, `"`) || r.File.ModTime.IsZero() {
		t.Errorf("file = %q %+v", b, r.File)
	}
	r, err = s.ReadFile(ctx, "files", "cfg", 1, 10)
	if err != nil || r.Listing == nil || r.Listing.Total != 2 || r.Listing.Entries[0].Name != "sub" || r.Listing.Entries[0].IsFile ||
		r.Listing.Entries[1].Name != "a.txt" || r.Listing.Entries[1].Size != 5 {
		t.Fatalf("listing = %+v, %v", r.Listing, err)
	}
	if err := s.DeleteFile(ctx, "files", "cfg/a.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadFile(ctx, "files", "cfg/a.txt", 1, 10); !errors.Is(err, files.ErrNotFound) {
		t.Errorf("deleted file: %v", err)
	}
	if _, err := s.ReadFile(ctx, "files", "../etc/passwd", 1, 10); !errors.Is(err, files.ErrPathInvalid) {
		t.Errorf("escaping path: %v", err)
	}
	big := strings.NewReader(strings.Repeat("x", 11<<20))
	if err := s.WriteFile(ctx, "files", "big", big, 11<<20); !errors.Is(err, files.ErrDiskLimit) {
		t.Errorf("over the 10 MiB limit: %v", err)
	}
	if _, err := s.ReadFile(ctx, "nosuch", "/", 1, 10); !errors.Is(err, daemon.ErrNotFound) {
		t.Errorf("unknown server: %v", err)
	}
}

func TestServiceBackups(t *testing.T) {
	s, _ := newTestService(t)
	ctx := t.Context()
	if err := s.CreateServer(ctx, testDef("bk")); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteFile(ctx, "bk", "world.dat", strings.NewReader("v1"), 2); err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateBackup(ctx, "bk", 2)
	if err != nil || b.State != daemonapi.BackupStateRunning {
		t.Fatalf("create backup = %+v, %v", b, err)
	}
	b = waitBackup(t, s, "bk", b.Id)
	if b.State != daemonapi.BackupStateDone || len(b.Sha256) != 64 {
		t.Fatalf("backup = %+v", b)
	}
	list, err := s.ListBackups(ctx, "bk")
	if err != nil || len(list) != 1 || list[0].Id != b.Id {
		t.Fatalf("list = %+v, %v", list, err)
	}
	c, info, err := s.OpenBackup(ctx, "bk", b.Id)
	if err != nil {
		t.Fatal(err)
	}
	if c.ETag != `"`+b.Sha256+`"` || c.Size != b.Size || info.Id != b.Id {
		t.Errorf("content = %+v, info %+v", c, info)
	}
	if n, _ := io.Copy(io.Discard, c.Body); n != b.Size {
		t.Errorf("archive %d bytes, want %d", n, b.Size)
	}
	c.Body.Close()
	if err := s.WriteFile(ctx, "bk", "world.dat", strings.NewReader("v2!"), 3); err != nil {
		t.Fatal(err)
	}
	if err := s.RestoreBackup(ctx, "bk", b.Id, false); err != nil {
		t.Fatal(err)
	}
	r, err := s.ReadFile(ctx, "bk", "world.dat", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r.File.Body)
	r.File.Body.Close()
	if string(got) != "v1" {
		t.Errorf("restored content %q", got)
	}
	if err := s.DeleteBackup(ctx, "bk", b.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetBackup(ctx, "bk", b.Id); !errors.Is(err, backup.ErrNotFound) {
		t.Errorf("deleted backup: %v", err)
	}
}

func waitBackup(t *testing.T, s *Service, id, backupID string) daemonapi.Backup {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, err := s.GetBackup(t.Context(), id, backupID)
		if err != nil {
			t.Fatal(err)
		}
		if b.State != daemonapi.BackupStateRunning || time.Now().After(deadline) {
			return b
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestServiceBackupCommands: the commands given with the definition are sent around a backup
// of the running server.
func TestServiceBackupCommands(t *testing.T) {
	s, fr := newTestService(t)
	ctx := t.Context()
	def := testDef("live")
	def.BackupCommands = &daemonapi.BackupCommands{Before: &[]string{"save-off"}, After: &[]string{"save-on"}}
	if err := s.CreateServer(ctx, def); err != nil {
		t.Fatal(err)
	}
	if err := s.Power(ctx, "live", daemonapi.PowerRequestActionStart); err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateBackup(ctx, "live", 1)
	if err != nil {
		t.Fatal(err)
	}
	if b = waitBackup(t, s, "live", b.Id); b.State != daemonapi.BackupStateDone {
		t.Fatalf("backup = %+v", b)
	}
	if got := fr.StdinLines("live"); strings.Join(got, ",") != "save-off,save-on" {
		t.Errorf("stdin = %q", got)
	}
}

// TestServiceEventsDrop: a stream nobody reads loses events and then says how many.
func TestServiceEventsDrop(t *testing.T) {
	s, fr := newTestService(t)
	ctx := t.Context()
	if err := s.CreateServer(ctx, testDef("ev")); err != nil {
		t.Fatal(err)
	}
	if err := s.Power(ctx, "ev", daemonapi.PowerRequestActionStart); err != nil {
		t.Fatal(err)
	}
	stream, err := s.Events(ctx, "ev", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	const n = 50
	for i := range n {
		if err := fr.Emit("ev", "line "+string(rune('A'+i%26))); err != nil {
			t.Fatal(err)
		}
	}
	if err := fr.Emit("ev", "last"); err != nil {
		t.Fatal(err)
	}
	for { // every line reached the daemon
		page, err := s.Console(ctx, "ev", 0)
		if err != nil {
			t.Fatal(err)
		}
		if contains(page.Lines, "last") {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	dropped := 0
	for drained := false; !drained; { // what the stream buffered
		select {
		case ev := <-stream.C():
			if ev.Dropped != nil {
				dropped += *ev.Dropped
			}
		default:
			drained = true
		}
	}
	if err := fr.Emit("ev", "after"); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-stream.C():
			if ev.Dropped != nil {
				dropped += *ev.Dropped
			}
			if ev.Kind == daemonapi.EventKindConsole && ev.Line.Text == "after" {
				if dropped == 0 {
					t.Fatal("no dropped-events notice before the next line")
				}
				stream.Close()
				if _, ok := <-stream.C(); ok {
					t.Error("C still open after Close")
				}
				return
			}
		case <-timeout:
			t.Fatal("the line after the drops never came")
		}
	}
}
