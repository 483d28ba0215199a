package e2e

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
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

// suite is what every test of the run shares; TestMain fills it.
var suite struct {
	bin      string         // the skypanel binary built for this run
	runID    string         // unique per run; ends every server id
	sock     string         // containerd socket ("" when docker cases skip)
	image    string         // the busybox test image (SKYPANEL_TEST_IMAGE)
	ns       string         // this run's containerd namespace
	noDocker string         // why the docker cases skip
	ctrd     *client.Client // containerd, for the checks (nil when sock is "")
}

// snapshotter is containerd's default, the one the runtime uses.
const snapshotter = "overlayfs"

// imageNamespace is where scripts/containerd-import.sh puts the test image.
const imageNamespace = "skypanel"

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "skypanel-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	suite.bin = filepath.Join(dir, "skypanel")
	build := exec.Command("go", "build", "-o", suite.bin, "./cmd/skypanel")
	build.Dir = ".." // the module root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/skypanel: %v\n%s", err, out)
		return 1
	}
	suite.runID = randomID(6)
	if err := setupContainerd(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: containerd:", err)
		return 1
	}
	code := m.Run()
	if suite.ctrd != nil {
		if err := teardownContainerd(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: FAIL:", err)
			code = max(code, 1)
		}
		suite.ctrd.Close()
	}
	return code
}

// randomID returns n random lower-case letters and digits.
func randomID(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// setupContainerd connects to the test containerd and copies the test image into this run's
// namespace. Without the environment (or root) the docker cases skip.
func setupContainerd() error {
	sock, image := os.Getenv("SKYPANEL_TEST_CONTAINERD"), os.Getenv("SKYPANEL_TEST_IMAGE")
	switch {
	case sock == "" || image == "":
		suite.noDocker = `SKYPANEL_TEST_CONTAINERD and SKYPANEL_TEST_IMAGE are not set; run eval "$(scripts/containerd-test-env.sh /tmp/skypanel-e2e-ctrd)" as root`
		return nil
	case os.Geteuid() != 0:
		suite.noDocker = "the docker environment needs root (containerd, cgroups)"
		return nil
	}
	suite.sock, suite.image = sock, image
	suite.ns = "skypanel-e2e-" + suite.runID
	c, err := client.New(sock, client.WithTimeout(5*time.Second))
	if err != nil {
		return err
	}
	suite.ctrd = c
	export := exec.Command("ctr", "--address", sock, "-n", imageNamespace, "images", "export", "-", image)
	imp := exec.Command("ctr", "--address", sock, "-n", suite.ns, "images", "import", "-")
	pipe, err := export.StdoutPipe()
	if err != nil {
		return err
	}
	imp.Stdin = pipe
	var expErr, impOut strings.Builder
	export.Stderr = &expErr
	imp.Stdout, imp.Stderr = &impOut, &impOut
	if err := export.Start(); err != nil {
		return err
	}
	impErr := imp.Run()
	if err := errors.Join(export.Wait(), impErr); err != nil {
		return fmt.Errorf("copy %s from namespace %s into %s: %w\n%s%s", image, imageNamespace, suite.ns, err, expErr.String(), impOut.String())
	}
	return nil
}

// nsCtx is ctx in this run's containerd namespace.
func nsCtx(ctx context.Context) context.Context { return namespaces.WithNamespace(ctx, suite.ns) }

// teardownContainerd reports (and removes) whatever the tests left in the namespace, then
// removes the image, the namespace and the namespace's parent cgroups.
func teardownContainerd() error {
	ctx, cancel := context.WithTimeout(nsCtx(context.Background()), time.Minute)
	defer cancel()
	left := leftovers(ctx)
	for _, c := range mustList(suite.ctrd.Containers(ctx)) {
		if t, err := c.Task(ctx, nil); err == nil {
			_, _ = t.Delete(ctx, client.WithProcessKill)
		}
		_ = c.Delete(ctx, client.WithSnapshotCleanup)
	}
	is := suite.ctrd.ImageService()
	imgs, _ := is.List(ctx)
	for _, img := range imgs {
		_ = is.Delete(ctx, img.Name, images.SynchronousDelete())
	}
	if err := suite.ctrd.NamespaceService().Delete(ctx, suite.ns); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: warning: namespace %s not removed: %v\n", suite.ns, err)
	}
	for _, d := range mustGlob("/sys/fs/cgroup/*/" + suite.ns) {
		_ = os.Remove(d) // runc's parent cgroup of the namespace; empty by now
	}
	_ = os.Remove(filepath.Join("/sys/fs/cgroup", suite.ns))
	if len(left) > 0 {
		return fmt.Errorf("left in containerd namespace %s after the tests: %s", suite.ns, strings.Join(left, ", "))
	}
	return nil
}

// leftovers lists the containers, tasks and non-image snapshots of the namespace.
func leftovers(ctx context.Context) []string {
	var out []string
	for _, c := range mustList(suite.ctrd.Containers(ctx)) {
		out = append(out, "container "+c.ID())
	}
	if resp, err := suite.ctrd.TaskService().List(ctx, nil); err == nil {
		for _, t := range resp.Tasks {
			out = append(out, "task "+t.ID)
		}
	} else {
		out = append(out, "tasks: "+err.Error())
	}
	err := suite.ctrd.SnapshotService(snapshotter).Walk(ctx, func(_ context.Context, info snapshots.Info) error {
		if info.Kind != snapshots.KindCommitted { // committed = the image's layers
			out = append(out, "snapshot "+info.Name)
		}
		return nil
	})
	if err != nil {
		out = append(out, "snapshots: "+err.Error())
	}
	return out
}

func mustList(cs []client.Container, err error) []client.Container {
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: list containers:", err)
	}
	return cs
}

func mustGlob(pattern string) []string {
	m, _ := filepath.Glob(pattern)
	return m
}
