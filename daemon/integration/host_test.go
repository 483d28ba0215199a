package integration

import (
	"context"
	goruntime "runtime"
	"testing"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/host"
)

// TestLifecycleHost drives the Manager with real host processes (the "standard" environment).
func TestLifecycleHost(t *testing.T) {
	rt, opts := hostRuntimeOpts(t)
	reopen := func() runtime.Runtime {
		r, err := host.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	echo := `echo ready; while read line; do echo "echo:$line"; if [ "$line" = stop ]; then exit 0; fi; done`
	lifecycle(t, openDir(t), rt, reopen, echo)
}

// hostRuntimeOpts returns a host runtime (unisolated, without cgroups) and its options, or
// skips the test where it cannot run.
func hostRuntimeOpts(t *testing.T) (*host.Runtime, host.Options) {
	t.Helper()
	if goruntime.GOOS != "linux" {
		t.Skip("runtime/host needs Linux")
	}
	opts := host.Options{StateDir: openDir(t), Mode: host.ModeUnisolated, Logger: logger(t), CgroupParent: host.NoCgroups}
	rt, err := host.New(opts)
	if err != nil {
		t.Skipf("host runtime unavailable: %v", err)
	}
	if err := rt.Available(context.Background()); err != nil {
		t.Skipf("host runtime unavailable: %v", err)
	}
	return rt, opts
}

// hostRuntime is hostRuntimeOpts without the options.
func hostRuntime(t *testing.T) *host.Runtime {
	t.Helper()
	rt, _ := hostRuntimeOpts(t)
	return rt
}
