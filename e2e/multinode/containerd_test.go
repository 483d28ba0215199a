package multinode

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/images"
	"github.com/containerd/containerd/v2/core/snapshots"
	"github.com/containerd/containerd/v2/pkg/namespaces"
)

// imageNamespace is where scripts/containerd-import.sh puts the test image.
const imageNamespace = "skypanel"

// containerdNamespace prepares containerd namespace ns for a daemon of t: the test image is
// copied in; when t ends (after the daemons stopped: register it before them) whatever the
// tests left there is reported and removed with the namespace. Without containerd it does
// nothing.
func containerdNamespace(t *testing.T, ns string) {
	t.Helper()
	if suite.sock == "" {
		return
	}
	export := exec.Command("ctr", "--address", suite.sock, "-n", imageNamespace, "images", "export", "-", suite.image)
	imp := exec.Command("ctr", "--address", suite.sock, "-n", ns, "images", "import", "-")
	pipe, err := export.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	imp.Stdin = pipe
	var expErr, impOut strings.Builder
	export.Stderr = &expErr
	imp.Stdout, imp.Stderr = &impOut, &impOut
	if err := export.Start(); err != nil {
		t.Fatal(err)
	}
	impErr := imp.Run()
	t.Cleanup(func() {
		if err := dropNamespace(ns); err != nil {
			t.Error(err)
		}
	})
	if err := errors.Join(export.Wait(), impErr); err != nil {
		t.Fatalf("copy %s into containerd namespace %s: %v\n%s%s", suite.image, ns, err, expErr.String(), impOut.String())
	}
}

// dropNamespace reports (and removes) the containers, tasks and non-image snapshots left in
// ns, then removes its images, the namespace and its parent cgroups.
func dropNamespace(ns string) error {
	c, err := client.New(suite.sock, client.WithTimeout(5*time.Second))
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(namespaces.WithNamespace(context.Background(), ns), time.Minute)
	defer cancel()
	var left []string
	cs, _ := c.Containers(ctx)
	for _, ctr := range cs {
		left = append(left, "container "+ctr.ID())
		if task, err := ctr.Task(ctx, nil); err == nil {
			left = append(left, "task "+ctr.ID())
			_, _ = task.Delete(ctx, client.WithProcessKill)
		}
		_ = ctr.Delete(ctx, client.WithSnapshotCleanup)
	}
	_ = c.SnapshotService("overlayfs").Walk(ctx, func(_ context.Context, info snapshots.Info) error {
		if info.Kind != snapshots.KindCommitted { // committed = the image's layers
			left = append(left, "snapshot "+info.Name)
		}
		return nil
	})
	is := c.ImageService()
	imgs, _ := is.List(ctx)
	for _, img := range imgs {
		_ = is.Delete(ctx, img.Name, images.SynchronousDelete())
	}
	var errs []error
	// containerd's garbage collector removes the image's snapshots a moment after the image
	for i := 0; ; i++ {
		err := c.NamespaceService().Delete(ctx, ns)
		if err == nil {
			break
		}
		if i == 40 {
			errs = append(errs, fmt.Errorf("containerd namespace %s not removed: %w", ns, err))
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	for _, d := range append(mustGlob("/sys/fs/cgroup/*/"+ns), filepath.Join("/sys/fs/cgroup", ns)) {
		_ = os.Remove(d) // runc's parent cgroup of the namespace; empty by now
	}
	if len(left) > 0 {
		errs = append(errs, fmt.Errorf("left in containerd namespace %s: %s", ns, strings.Join(left, ", ")))
	}
	return errors.Join(errs...)
}

func mustGlob(pattern string) []string {
	m, _ := filepath.Glob(pattern)
	return m
}
