package containerd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/runtimetest"
)

// TestMount: with Spec.Mount the server folder is bind-mounted there (and not at WorkDir),
// and the command starts in it.
func TestMount(t *testing.T) {
	opts, image := testOptions(t)
	r := newTestRuntime(t, opts)
	ctx := context.Background()
	dir := t.TempDir()
	spec := runtime.Spec{ID: runtimetest.NewID(), Image: image, Dir: dir, Mount: "/mnt/server",
		Command: `echo "pwd:$(pwd)"; echo hi > /mnt/server/x; ls ` + WorkDir + `/x 2>/dev/null || echo "default:none"`}
	if err := r.Create(ctx, spec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Delete(ctx, spec.ID) })
	c, err := r.Start(ctx, spec.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lines := runtimetest.ReadLines(c.Output())
	lines.Expect(t, "pwd:/mnt/server")
	lines.Expect(t, "default:none")
	exited, err := r.Wait(ctx, spec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st := runtimetest.WaitExit(t, exited); st.Code != 0 {
		t.Fatalf("exit %+v", st)
	}
	b, err := os.ReadFile(filepath.Join(dir, "x"))
	if err != nil || string(b) != "hi\n" {
		t.Fatalf("x in the server folder: %q, %v", b, err)
	}
}

// TestMountRefused: a mount point outside runtime.MountRoots never reaches containerd.
func TestMountRefused(t *testing.T) {
	opts, image := testOptions(t)
	r := newTestRuntime(t, opts)
	ctx := context.Background()
	for _, m := range []string{"/etc", "/", "/run/skypanel", "mnt/server"} {
		spec := runtime.Spec{ID: runtimetest.NewID(), Image: image, Dir: t.TempDir(), Mount: m, Command: "true"}
		err := r.Create(ctx, spec)
		if err == nil {
			_ = r.Delete(ctx, spec.ID)
		}
		if !errors.Is(err, runtime.ErrInvalidSpec) {
			t.Errorf("mount %q: err = %v, want ErrInvalidSpec", m, err)
		}
		if st, _ := r.State(ctx, spec.ID); st != runtime.StateAbsent {
			t.Errorf("mount %q: container left (%s)", m, st)
		}
	}
}
