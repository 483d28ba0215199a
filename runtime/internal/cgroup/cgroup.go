// Package cgroup is the small cgroup layer of the runtimes: it creates a cgroup with the limits of
// one instance (cgroup v1 controllers or the v2 unified hierarchy), moves processes into it,
// reads usage, OOM kills and limits, and removes it. runtime/host enforces limits with it;
// runtime/containerd only reads OOM kill counts from the cgroups runc created.
package cgroup

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// ErrUnsupported means the machine has no usable (or no writable) cgroup hierarchy.
var ErrUnsupported = errors.New("cgroups unavailable")

// v1 controllers this package uses (freezer only to kill a group as a whole, see Kill).
var v1Controllers = []string{"memory", "cpu", "cpuacct", "pids", "blkio", "freezer"}

type hierarchy struct {
	v2    bool
	root  string            // v2 mount point
	roots map[string]string // v1 controller -> mount point
	err   error
}

var (
	detectOnce sync.Once
	detected   hierarchy
)

func detect() hierarchy {
	detectOnce.Do(func() { detected = parseMountinfo("/proc/self/mountinfo") })
	return detected
}

// parseMountinfo finds the cgroup mount points. A machine whose /sys/fs/cgroup is cgroup2 is v2;
// otherwise the v1 controllers are used (hybrid machines included).
func parseMountinfo(file string) hierarchy {
	f, err := os.Open(file)
	if err != nil {
		return hierarchy{err: fmt.Errorf("%w: %w", ErrUnsupported, err)}
	}
	defer f.Close()
	h := hierarchy{roots: map[string]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mountpoint options - fstype source superoptions
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		fields, tail := strings.Fields(pre), strings.Fields(post)
		if len(fields) < 5 || len(tail) < 3 {
			continue
		}
		mnt := fields[4]
		switch tail[0] {
		case "cgroup2":
			if mnt == "/sys/fs/cgroup" {
				h.v2, h.root = true, mnt
			}
		case "cgroup":
			for _, opt := range strings.Split(tail[2], ",") {
				for _, c := range v1Controllers {
					if opt == c {
						h.roots[c] = mnt
					}
				}
			}
		}
	}
	if !h.v2 && h.roots["memory"] == "" {
		h.err = fmt.Errorf("%w: neither a cgroup2 /sys/fs/cgroup nor a v1 memory controller", ErrUnsupported)
	}
	return h
}

// Version returns 1 or 2, or an error wrapping ErrUnsupported.
func Version() (int, error) {
	h := detect()
	switch {
	case h.err != nil:
		return 0, h.err
	case h.v2:
		return 2, nil
	default:
		return 1, nil
	}
}

// IOWeightSupported reports whether an IO weight can be set (v1: blkio.weight or
// blkio.bfq.weight exists, which needs the BFQ/CFQ scheduler; v2: the io controller is
// available). runc fails to start a container whose IO weight it cannot write.
func IOWeightSupported() bool {
	h := detect()
	switch {
	case h.err != nil:
		return false
	case h.v2:
		b, err := os.ReadFile(filepath.Join(h.root, "cgroup.controllers"))
		return err == nil && hasWord(string(b), "io")
	default:
		root := h.roots["blkio"]
		if root == "" {
			return false
		}
		for _, f := range []string{"blkio.bfq.weight", "blkio.weight"} {
			if _, err := os.Stat(filepath.Join(root, f)); err == nil {
				return true
			}
		}
		return false
	}
}

// Group is one cgroup (the same relative path in every v1 controller, or one v2 folder).
type Group struct {
	path string // relative to the hierarchy roots, starting with "/"
	h    hierarchy
}

// Open returns the group at path (e.g. an OCI spec's cgroupsPath) without creating it.
func Open(path string) (*Group, error) {
	h := detect()
	if h.err != nil {
		return nil, h.err
	}
	return &Group{path: filepath.Join("/", path), h: h}, nil
}

// Create makes the group at path (parents included) and applies the limits.
func Create(path string, l runtime.Limits) (*Group, error) {
	g, err := Open(path)
	if err != nil {
		return nil, err
	}
	if g.h.v2 {
		err = g.createV2()
	} else {
		err = g.createV1()
	}
	if err != nil {
		return nil, err
	}
	if err := g.Set(l); err != nil {
		_ = g.Delete()
		return nil, err
	}
	return g, nil
}

// Path returns the group's path relative to the hierarchy roots.
func (g *Group) Path() string { return g.path }

func (g *Group) dir(controller string) string {
	if g.h.v2 {
		return filepath.Join(g.h.root, g.path)
	}
	root := g.h.roots[controller]
	if root == "" {
		return ""
	}
	return filepath.Join(root, g.path)
}

// Add moves a process into the group.
func (g *Group) Add(pid int) error {
	for _, d := range g.dirs() {
		if err := writeFile(d, "cgroup.procs", strconv.Itoa(pid)); err != nil {
			return err
		}
	}
	return nil
}

// dirs lists the folders of the group (one on v2, one per mounted controller on v1).
func (g *Group) dirs() []string {
	if g.h.v2 {
		return []string{g.dir("")}
	}
	var out []string
	seen := map[string]bool{}
	for _, c := range v1Controllers {
		d := g.dir(c)
		if d != "" && !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// Pids lists the processes in the group.
func (g *Group) Pids() ([]int, error) {
	d := g.dir("memory")
	if g.h.v2 {
		d = g.dir("")
	}
	b, err := os.ReadFile(filepath.Join(d, "cgroup.procs"))
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if p, err := strconv.Atoi(f); err == nil {
			pids = append(pids, p)
		}
	}
	return pids, nil
}

// Delete kills what is left in the group and removes it (missing groups are fine).
func (g *Group) Delete() error {
	_ = g.Kill()
	var errs []error
	for _, d := range g.dirs() {
		var err error
		for range 50 { // rmdir fails with EBUSY until the killed processes are gone
			if err = os.Remove(d); err == nil || os.IsNotExist(err) {
				err = nil
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func writeFile(dir, name, value string) error {
	if err := os.WriteFile(filepath.Join(dir, name), []byte(value), 0); err != nil {
		return fmt.Errorf("cgroup: write %s: %w", filepath.Join(dir, name), err)
	}
	return nil
}

func readFile(dir, name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return "", fmt.Errorf("cgroup: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// keyed reads "key value" lines (memory.stat, memory.events, cpu.stat, memory.oom_control).
func keyed(dir, name, key string) (uint64, error) {
	s, err := readFile(dir, name)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, " ")
		if ok && k == key {
			return strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, nil
}

func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}
