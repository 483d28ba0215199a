package install

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/install/installtest"
	"github.com/skypanel/skypanel/runtime"
)

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

func logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// config points every base URL at the fixture; terraria.org is mirrored to it.
func config(fx *installtest.Server) Config {
	return Config{
		MojangManifestURL: fx.MojangManifestURL,
		PaperAPIURL:       fx.PaperAPIURL,
		Mirrors: []Mirror{{From: "https://terraria.org/", To: fx.TerrariaURL},
			{From: "https://downloads.example.com/", To: fx.URL + "/files/"}},
		Timeout:       time.Minute,
		HeaderTimeout: 5 * time.Second,
		IdleTimeout:   300 * time.Millisecond, // the fixture's slow answers stall for ever
	}
}

// console collects install output; it is safe for concurrent writes.
type console struct {
	mu  sync.Mutex
	buf bytes.Buffer
	on  func(string) // called with every write
}

func (c *console) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.buf.Write(b)
	on := c.on
	c.mu.Unlock()
	if on != nil {
		on(string(b))
	}
	return len(b), nil
}

func (c *console) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// definition returns a server definition whose plan is steps.
func definition(t testing.TB, env string, vars map[string]string, steps ...Step) daemon.Definition {
	t.Helper()
	raw, err := Plan{Steps: steps}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return daemon.Definition{ID: "srv1", Name: "test", Environment: env, Image: os.Getenv("SKYPANEL_TEST_IMAGE"),
		Startup: "true", Variables: vars, Port: 25565, Limits: daemon.Limits{MemoryMiB: 512}, Install: raw}
}

// install runs steps in a fresh folder with a standard-environment definition.
func install(t testing.TB, in *Installer, steps ...Step) (dir string, out string, err error) {
	t.Helper()
	dir = t.TempDir()
	var c console
	err = in.Run(context.Background(), definition(t, runtime.EnvStandard, nil, steps...), dir, &c)
	return dir, c.String(), err
}

// files lists the regular files and links under dir (relative, slash-separated).
func files(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func read(t testing.TB, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// expectErr asserts err wraps want and mentions every part.
func expectErr(t testing.TB, err, want error, parts ...string) {
	t.Helper()
	t.Logf("error: %v", err)
	if err == nil || !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("err = %v, want it to mention %q", err, p)
		}
	}
}

// expectNothing asserts a failed install left no file at all in dir (except keep).
func expectNothing(t testing.TB, dir string, keep ...string) {
	t.Helper()
	got := files(t, dir)
	if strings.Join(got, ",") != strings.Join(keep, ",") {
		t.Fatalf("files left: %v, want %v", got, keep)
	}
	if _, err := os.Stat(filepath.Join(dir, workDir)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s left behind: %v", workDir, err)
	}
}

func ownerUID(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}
