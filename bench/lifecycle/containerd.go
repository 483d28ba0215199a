package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// imageNamespace is where scripts/containerd-import.sh puts the test image.
const imageNamespace = "skypanel"

// ctrd is the benchmark's own containerd namespace, holding a copy of the image.
type ctrd struct {
	sock, ns, image string
}

// setupContainerd copies image from namespace skypanel into a new namespace of its own.
func setupContainerd(sock, image, ns string) (*ctrd, error) {
	export := exec.Command("ctr", "--address", sock, "-n", imageNamespace, "images", "export", "-", image)
	imp := exec.Command("ctr", "--address", sock, "-n", ns, "images", "import", "-")
	pipe, err := export.StdoutPipe()
	if err != nil {
		return nil, err
	}
	imp.Stdin = pipe
	var out strings.Builder
	export.Stderr, imp.Stdout, imp.Stderr = &out, &out, &out
	if err := export.Start(); err != nil {
		return nil, err
	}
	impErr := imp.Run()
	if err := errors.Join(export.Wait(), impErr); err != nil {
		return nil, fmt.Errorf("copy %s into namespace %s: %w\n%s", image, ns, err, out.String())
	}
	return &ctrd{sock: sock, ns: ns, image: image}, nil
}

func (c *ctrd) ctr(args ...string) *exec.Cmd {
	return exec.Command("ctr", append([]string{"--address", c.sock, "-n", c.ns}, args...)...)
}

// teardown removes what is left in the namespace, the image, the namespace and its cgroups.
func (c *ctrd) teardown() {
	if out, err := c.ctr("containers", "ls", "-q").Output(); err == nil {
		for _, id := range strings.Fields(string(out)) {
			fmt.Fprintln(os.Stderr, "lifecycle: removing leftover container", id)
			_ = c.ctr("tasks", "kill", "-s", "SIGKILL", id).Run()
			_ = c.ctr("tasks", "rm", "-f", id).Run()
			_ = c.ctr("containers", "rm", id).Run()
		}
	}
	_ = c.ctr("images", "rm", "--sync", c.image).Run()
	if out, err := exec.Command("ctr", "--address", c.sock, "namespaces", "rm", c.ns).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "lifecycle: namespace %s not removed: %v %s\n", c.ns, err, out)
	}
	dirs, _ := filepath.Glob("/sys/fs/cgroup/*/" + c.ns)
	for _, d := range dirs {
		_ = os.Remove(d)
	}
	_ = os.Remove(filepath.Join("/sys/fs/cgroup", c.ns))
}

// runEcho runs `ctr run --rm --net-host IMAGE id sh -c 'echo ready'` and returns its wall time
// and the time until "ready" was read from its output.
func (c *ctrd) runEcho(id string) (wall, firstLine time.Duration, err error) {
	cmd := c.ctr("run", "--rm", "--net-host", c.image, id, "sh", "-c", "echo ready")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	line, rerr := bufio.NewReader(out).ReadString('\n')
	firstLine = time.Since(t0)
	_, _ = io.Copy(io.Discard, out)
	werr := cmd.Wait()
	wall = time.Since(t0)
	if err := errors.Join(rerr, werr); err != nil || strings.TrimSpace(line) != "ready" {
		return 0, 0, fmt.Errorf("ctr run: %v, output %q %s", err, line, stderr.String())
	}
	return wall, firstLine, nil
}
