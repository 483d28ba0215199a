package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/containerd/errdefs"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/runtime/containerd"
)

// expectError checks that r (a pointer to a generated response) has the status and error
// code, and returns the error.
func expectError(t *testing.T, r any, status int, code api.ErrorCode) api.ErrorDetail {
	t.Helper()
	v := reflect.ValueOf(r)
	if !v.IsValid() || v.IsNil() {
		t.Fatalf("no response, want %d %s", status, code)
	}
	h, _ := v.Elem().FieldByName("HTTPResponse").Interface().(*http.Response)
	raw, _ := v.Elem().FieldByName("Body").Interface().([]byte)
	if h == nil || h.StatusCode != status {
		t.Fatalf("got %s, want %d %s", body(r), status, code)
	}
	var e api.Error
	if err := json.Unmarshal(raw, &e); err != nil || e.Error.Code != code {
		t.Fatalf("got %s, want %d %s", body(r), status, code)
	}
	return e.Error
}

// field returns metadata.field of an error ("" when absent).
func field(e api.ErrorDetail) string {
	if e.Metadata == nil {
		return ""
	}
	f, _ := (*e.Metadata)["field"].(string)
	return f
}

// pidOf returns the pid of the server's process: the wrapper shell recorded by the host
// runtime (the process group leader), or the containerd task's init.
func (s *server) pidOf(t *testing.T) int {
	t.Helper()
	if s.env.typ == api.EnvironmentTypeStandard {
		b, err := os.ReadFile(filepath.Join(s.p.dir, "node", "host", s.id, "pid"))
		if err != nil {
			t.Fatalf("pid file of %s: %v", s.id, err)
		}
		f := strings.Fields(string(b))
		pid, err := strconv.Atoi(f[0])
		if err != nil {
			t.Fatalf("pid file of %s: %q", s.id, b)
		}
		return pid
	}
	ctx := nsCtx(context.Background())
	c, err := suite.ctrd.LoadContainer(ctx, containerd.ContainerID(s.id))
	if err != nil {
		t.Fatalf("container of %s: %v", s.id, err)
	}
	task, err := c.Task(ctx, nil)
	if err != nil {
		t.Fatalf("task of %s: %v", s.id, err)
	}
	return int(task.Pid())
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] != 'Z'
}

// groupProcesses returns the pids of process group pgid (a standard server's processes).
func groupProcesses(pgid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) {
			out = append(out, pid)
		}
	}
	return out
}

// uids returns the real, effective, saved and filesystem uids of pid.
func uids(pid int) ([]int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Uid:"); ok {
			var out []int
			for _, x := range strings.Fields(rest) {
				n, err := strconv.Atoi(x)
				if err != nil {
					return nil, err
				}
				out = append(out, n)
			}
			return out, nil
		}
	}
	return nil, errors.New("no Uid line")
}

// memoryLimit reads the memory limit of the cgroup pid is in (cgroup v1 memory controller,
// else the v2 unified hierarchy): what the kernel enforces, not what the runtime reports.
func memoryLimit(t *testing.T, pid int) uint64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	var v1, v2 string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			v2 = parts[2]
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "memory" {
				v1 = parts[2]
			}
		}
	}
	var file string
	switch {
	case v1 != "":
		root, mnt := cgroupMount(t, "memory")
		file = filepath.Join(mnt, strings.TrimPrefix(v1, root), "memory.limit_in_bytes")
	case v2 != "":
		root, mnt := cgroupMount(t, "")
		file = filepath.Join(mnt, strings.TrimPrefix(v2, root), "memory.max")
	default:
		t.Fatalf("process %d: no memory cgroup in %q", pid, b)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("memory limit of process %d: %v", pid, err)
	}
	v := strings.TrimSpace(string(raw))
	if v == "max" {
		return 0
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		t.Fatalf("%s: %q", file, v)
	}
	return n
}

// cgroupMount finds the mount of a v1 controller (or, for "", the cgroup2 hierarchy): the
// cgroup path mounted there and the mount point.
func cgroupMount(t *testing.T, controller string) (root, mountPoint string) {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields, tail := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(tail) < 3 {
			continue
		}
		switch {
		case controller == "" && tail[0] == "cgroup2":
			return fields[3], fields[4]
		case controller != "" && tail[0] == "cgroup":
			for _, o := range strings.Split(tail[2], ",") {
				if o == controller {
					return fields[3], fields[4]
				}
			}
		}
	}
	t.Fatalf("no cgroup mount for %q", controller)
	return "", ""
}

// containerdTrace lists what containerd still holds of server id: container, task, snapshot.
func containerdTrace(id string) []string {
	ctx := nsCtx(context.Background())
	cid := containerd.ContainerID(id)
	var out []string
	if _, err := suite.ctrd.LoadContainer(ctx, cid); !errdefs.IsNotFound(err) {
		out = append(out, fmt.Sprintf("container %s (%v)", cid, err))
	}
	if resp, err := suite.ctrd.TaskService().List(ctx, nil); err == nil {
		for _, task := range resp.Tasks {
			if task.ID == cid {
				out = append(out, "task "+cid)
			}
		}
	}
	if _, err := suite.ctrd.SnapshotService(snapshotter).Stat(ctx, cid); !errdefs.IsNotFound(err) {
		out = append(out, fmt.Sprintf("snapshot %s (%v)", cid, err))
	}
	return out
}
