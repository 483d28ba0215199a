package host

import (
	"context"
	"errors"
	"testing"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/runtimetest"
)

// TestMount: host processes run in the data folder itself, so the default mount point is
// accepted and any other is refused with ErrMount (and nothing is created).
func TestMount(t *testing.T) {
	r, _ := newTestRuntime(t)
	ctx := context.Background()
	for _, c := range []struct {
		mount string
		ok    bool
	}{{"", true}, {runtime.DefaultMount, true}, {"/mnt/server", false}, {"/srv", false}} {
		t.Run(c.mount, func(t *testing.T) {
			id := runtimetest.NewID()
			err := r.Create(ctx, runtime.Spec{ID: id, Command: "pwd", Dir: dataDir(t, r), Mount: c.mount})
			if c.ok {
				if err != nil {
					t.Fatal(err)
				}
				if err := r.Delete(ctx, id); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrMount) || !errors.Is(err, runtime.ErrInvalidSpec) {
				t.Fatalf("err = %v, want ErrMount and ErrInvalidSpec", err)
			}
			if st, err := r.State(ctx, id); err != nil || st != runtime.StateAbsent {
				t.Fatalf("state %s, %v: want absent", st, err)
			}
		})
	}
}
