package integration

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/files"
	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/host"
)

// diskManager is a Manager on the host runtime whose disk watcher measures every 20 ms.
func diskManager(t *testing.T) *daemon.Manager {
	t.Helper()
	if goruntime.GOOS != "linux" {
		t.Skip("runtime/host needs Linux")
	}
	rt, err := host.New(host.Options{StateDir: openDir(t), Logger: logger(t), CgroupParent: host.NoCgroups})
	if err != nil {
		t.Skipf("host runtime unavailable: %v", err)
	}
	if err := rt.Available(context.Background()); err != nil {
		t.Skipf("host runtime unavailable: %v", err)
	}
	m, err := daemon.New(daemon.Options{
		DataDir: openDir(t), Runtimes: map[string]runtime.Runtime{rt.Environment(): rt}, Logger: logger(t),
		StopTimeout: 5 * time.Second, TermTimeout: 2 * time.Second, DrainTimeout: time.Second,
		DiskInterval: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// overLimitLine is the daemon's console line when the disk watcher stops a server.
var overLimitLine = regexp.MustCompile(`\[SkyPanel Daemon\] stopping server: its folder holds [0-9.]+ [KM]i?B, over its disk limit of 1 MiB`)

// TestDiskLimitStopsServer: a real process writes past its 1 MiB limit with dd; the watcher
// stops it with a console notice and the reason in its state; start is refused until the file
// is deleted through the file manager.
func TestDiskLimitStopsServer(t *testing.T) {
	m := diskManager(t)
	ctx := context.Background()
	def := daemon.Definition{ID: "disk1", Environment: runtime.EnvStandard, Image: "busybox",
		// the watcher may measure the file while the write is under way: any size over the limit
		Startup:     "dd if=/dev/zero of=big.dat bs=3072k count=1 2>/dev/null; echo wrote; while read line; do :; done",
		StopCommand: "", Limits: daemon.Limits{DiskMiB: 1}}
	must(t, m.Create(ctx, def))
	must(t, m.Start(ctx, "disk1"))
	waitLine(t, m, "disk1", "over its disk limit of 1 MiB")
	waitState(t, m, "disk1", daemon.StateStopped)
	waitFor(t, "state message", func() bool {
		st, _ := m.Status("disk1")
		return strings.Contains(st.Message, "over its disk limit")
	})
	if c := console(m, "disk1"); !overLimitLine.MatchString(c) {
		t.Fatalf("console:\n%s", c)
	}

	err := m.Start(ctx, "disk1")
	var de *daemon.DiskLimitError
	if !errors.Is(err, daemon.ErrOverDiskLimit) || !errors.As(err, &de) || de.UsedBytes <= 1<<20 || de.LimitBytes != 1<<20 {
		t.Fatalf("Start over the limit: %v, want ErrOverDiskLimit with more than 1 MiB used of 1 MiB", err)
	}
	if st, _ := m.Status("disk1"); st.State != daemon.StateStopped {
		t.Fatalf("state after a refused start = %s", st.State)
	}
	dir, err := m.VolumeDir("disk1")
	must(t, err)
	vol := files.Volume{ID: "disk1", Dir: dir, LimitBytes: 1 << 20}
	if err := m.Files().Mkdir(vol, "world"); !errors.Is(err, files.ErrDiskLimit) {
		t.Fatalf("mkdir while over the limit: %v, want ErrDiskLimit", err)
	}
	must(t, m.Files().Delete(vol, "big.dat"))
	def.Startup = "echo small; while read line; do :; done" // this time within the limit
	_, err = m.Update(ctx, def)
	must(t, err)
	must(t, m.Start(ctx, "disk1"))
	waitLine(t, m, "disk1", "small")
	if st, _ := m.Status("disk1"); st.State != daemon.StateRunning || st.Message != "" {
		t.Fatalf("status after the start = %+v", st)
	}
	must(t, m.Stop(ctx, "disk1"))
}

// TestDiskLimitCancelsInstall: an installation that writes past the limit is cancelled by the
// watcher and ends install_failed with the reason.
func TestDiskLimitCancelsInstall(t *testing.T) {
	m := diskManager(t)
	ctx := context.Background()
	must(t, m.Create(ctx, daemon.Definition{ID: "disk2", Environment: runtime.EnvStandard, Image: "busybox",
		Startup: "true", Limits: daemon.Limits{DiskMiB: 1}}))
	err := m.Install(ctx, "disk2", func(ctx context.Context, _ daemon.Definition, dir string, _ io.Writer) error {
		if err := os.WriteFile(filepath.Join(dir, "blob"), make([]byte, 2<<20), 0o644); err != nil {
			return err
		}
		<-ctx.Done() // an install script that keeps going until stopped
		return ctx.Err()
	})
	if !errors.Is(err, daemon.ErrOverDiskLimit) {
		t.Fatalf("Install = %v, want ErrOverDiskLimit", err)
	}
	st, _ := m.Status("disk2")
	if st.State != daemon.StateInstallFailed || !strings.Contains(st.Message, "over its disk limit") {
		t.Fatalf("status = %+v", st)
	}
	ran := false // the folder still holds the blob: a new installation is refused before it runs
	err = m.Install(ctx, "disk2", func(context.Context, daemon.Definition, string, io.Writer) error { ran = true; return nil })
	if !errors.Is(err, daemon.ErrOverDiskLimit) || ran {
		t.Fatalf("Install over the limit = %v (ran %v), want ErrOverDiskLimit before running", err, ran)
	}
	if st, _ := m.Status("disk2"); st.State != daemon.StateInstallFailed {
		t.Fatalf("state after a refused install = %s", st.State)
	}
}
