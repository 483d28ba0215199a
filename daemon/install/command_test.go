package install

import (
	"context"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/containerd"
	"github.com/skypanel/skypanel/runtime/host"
)

// openDir returns a fresh folder that other users can traverse (t.TempDir's are 0700).
func openDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != filepath.Clean(os.TempDir()) && d != "/"; d = filepath.Dir(d) {
		must(t, os.Chmod(d, 0o755))
	}
	return dir
}

// environments returns the runtimes available to the test: standard (host processes) always
// on Linux, docker when SKYPANEL_TEST_CONTAINERD and SKYPANEL_TEST_IMAGE are set.
func environments(t *testing.T) map[string]runtime.Runtime {
	t.Helper()
	out := map[string]runtime.Runtime{}
	if goruntime.GOOS == "linux" {
		hr, err := host.New(host.Options{StateDir: openDir(t), Mode: host.ModeUnisolated, CgroupParent: host.NoCgroups, Logger: logger(t)})
		if err == nil && hr.Available(context.Background()) == nil {
			out[runtime.EnvStandard] = hr
		} else {
			t.Logf("standard environment unavailable: %v", err)
		}
	}
	addr, image := os.Getenv("SKYPANEL_TEST_CONTAINERD"), os.Getenv("SKYPANEL_TEST_IMAGE")
	if addr != "" && addr != "auto" && image != "" {
		cr, err := containerd.New(context.Background(), containerd.Options{Address: addr, StateDir: t.TempDir(), Logger: logger(t)})
		if err != nil {
			t.Fatalf("containerd: %v", err)
		}
		t.Cleanup(func() { _ = cr.Close() })
		out[runtime.EnvDocker] = cr
	} else {
		t.Log("docker environment not tested: set SKYPANEL_TEST_CONTAINERD and SKYPANEL_TEST_IMAGE (scripts/containerd-test-env.sh)")
	}
	if len(out) == 0 {
		t.Skip("no runtime available")
	}
	return out
}

// volume returns a server folder owned like the daemon makes it: by the runtime's user.
func volume(t *testing.T, rt runtime.Runtime) string {
	t.Helper()
	dir := openDir(t)
	if o, ok := rt.(interface{ Owner() (uint32, uint32) }); ok {
		uid, gid := o.Owner()
		must(t, os.Chown(dir, int(uid), int(gid)))
	}
	return dir
}

func TestCommand(t *testing.T) {
	rts := environments(t)
	for env, rt := range rts {
		t.Run(env, func(t *testing.T) {
			in := New(Config{}, rts, logger(t))
			cases := []struct {
				name     string
				commands []string
				err      error
				out      string
			}{
				{name: "runs in the server folder with its variables", out: "hi 25565 v=hello",
					commands: []string{"echo hi $SERVER_PORT v=$greeting", "echo made > made.txt", "", "test -s made.txt"}},
				{name: "placeholders", commands: []string{"echo {{greeting}}-{{SERVER_MEMORY}}"}, out: "hello-512"},
				{name: "non-zero exit", commands: []string{"echo before", "false", "echo after"}, err: ErrCommandFailed, out: "before"},
				{name: "exit code", commands: []string{"exit 3"}, err: ErrCommandFailed},
				{name: "only empty lines", commands: []string{"", "  "}, out: "nothing to run"},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					dir := volume(t, rt)
					var out console
					def := definition(t, env, map[string]string{"greeting": "hello"}, Step{Type: "command", Commands: c.commands})
					err := in.Run(context.Background(), def, dir, &out)
					if c.err != nil {
						expectErr(t, err, c.err)
					} else if err != nil {
						t.Fatalf("%v\n%s", err, out.String())
					}
					if !strings.Contains(out.String(), c.out) {
						t.Errorf("output %q lacks %q", out.String(), c.out)
					}
					if st, _ := rt.State(context.Background(), def.ID+InstanceSuffix); st != runtime.StateAbsent {
						t.Errorf("install instance left: %s", st)
					}
				})
			}
			t.Run("cancelled", func(t *testing.T) {
				dir := volume(t, rt)
				ctx, cancel := context.WithCancel(context.Background())
				out := &console{on: func(s string) {
					if strings.Contains(s, "started") {
						cancel()
					}
				}}
				def := definition(t, env, nil, Step{Type: "command", Commands: []string{"echo started", "sleep 60", "touch late"}})
				err := in.Run(ctx, def, dir, out)
				expectErr(t, err, context.Canceled, "install command stopped")
				if _, err := os.Stat(filepath.Join(dir, "late")); err == nil {
					t.Error("the command went on after the cancellation")
				}
				if st, _ := rt.State(context.Background(), def.ID+InstanceSuffix); st != runtime.StateAbsent {
					t.Errorf("install instance left: %s", st)
				}
			})
		})
	}
}

func TestCommandWithoutRuntime(t *testing.T) {
	_, _, err := install(t, New(Config{}, nil, logger(t)), Step{Type: "command", Commands: []string{"true"}})
	expectErr(t, err, ErrNoRuntime, "standard")
}

// TestCommandMount: an egg's install script finds the server folder at /mnt/server (its
// working directory) in the docker environment; the standard environment refuses the mount.
func TestCommandMount(t *testing.T) {
	rts := environments(t)
	for env, rt := range rts {
		t.Run(env, func(t *testing.T) {
			in := New(Config{}, rts, logger(t))
			dir := volume(t, rt)
			var out console
			def := definition(t, env, nil, Step{Type: "command", Mount: "/mnt/server",
				Commands: []string{`echo "pwd:$(pwd)"`, "cd /mnt/server && echo eula=true > eula.txt"}})
			err := in.Run(context.Background(), def, dir, &out)
			if env == runtime.EnvStandard {
				expectErr(t, err, host.ErrMount, "/mnt/server")
				if _, err := os.Stat(filepath.Join(dir, "eula.txt")); err == nil {
					t.Error("eula.txt written though the step was refused")
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "pwd:/mnt/server") {
				t.Errorf("output %q lacks pwd:/mnt/server", out.String())
			}
			if got := read(t, dir, "eula.txt"); got != "eula=true\n" {
				t.Errorf("eula.txt = %q", got)
			}
			if st, _ := rt.State(context.Background(), def.ID+InstanceSuffix); st != runtime.StateAbsent {
				t.Errorf("install instance left: %s", st)
			}
		})
	}
}
