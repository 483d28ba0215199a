package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/internal/cgroup"
	"github.com/skypanel/skypanel/runtime/internal/stdio"
)

// Files of an instance folder.
const (
	specFile   = "spec.json"
	stdinFile  = "stdin"
	logFile    = "output.log"
	pidFile    = "pid"
	exitFile   = "exitcode"
	deleteWait = 5 * time.Second
)

// Create writes the instance folder.
func (r *Runtime) Create(_ context.Context, spec runtime.Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	if spec.MountPoint() != runtime.DefaultMount {
		return fmt.Errorf("create %s: %w: %w (mount %q)", spec.ID, runtime.ErrInvalidSpec, ErrMount, spec.Mount)
	}
	if _, _, err := r.userOf(spec); err != nil {
		return err
	}
	dir := r.dir(spec.ID)
	switch _, err := r.loadSpec(spec.ID); {
	case err == nil:
		return fmt.Errorf("%w: %s", runtime.ErrExists, spec.ID)
	case !errors.Is(err, runtime.ErrNotFound):
		return fmt.Errorf("create %s: %w: %w", spec.ID, runtime.ErrExists, err) // unreadable spec.json
	}
	_ = os.RemoveAll(dir) // a folder without spec.json is what an interrupted Create leaves
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%w: %s", runtime.ErrExists, spec.ID)
		}
		return fmt.Errorf("create %s: %w", spec.ID, err)
	}
	err := r.saveSpec(spec)
	if err == nil {
		err = stdio.MakeFIFO(filepath.Join(dir, stdinFile), 0o600)
	}
	if err != nil {
		_ = os.RemoveAll(dir)
		return fmt.Errorf("create %s: %w", spec.ID, err)
	}
	return nil
}

func (r *Runtime) saveSpec(spec runtime.Spec) error {
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(r.dir(spec.ID), specFile), b)
}

func (r *Runtime) loadSpec(id string) (runtime.Spec, error) {
	var spec runtime.Spec
	if !runtime.ValidID(id) {
		return spec, fmt.Errorf("%w: %q", runtime.ErrNotFound, id)
	}
	b, err := os.ReadFile(filepath.Join(r.dir(id), specFile))
	if errors.Is(err, os.ErrNotExist) {
		return spec, fmt.Errorf("%w: %s", runtime.ErrNotFound, id)
	}
	if err != nil {
		return spec, fmt.Errorf("load %s: %w", id, err)
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		return spec, fmt.Errorf("load %s: %w", id, err)
	}
	return spec, nil
}

func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// State reports absent (no folder), running (the recorded process lives) or created.
func (r *Runtime) State(_ context.Context, id string) (runtime.State, error) {
	if _, err := r.loadSpec(id); err != nil {
		if errors.Is(err, runtime.ErrNotFound) {
			return runtime.StateAbsent, nil
		}
		return "", err
	}
	if p := r.current(id); p != nil && p.alive() {
		return runtime.StateRunning, nil
	}
	return runtime.StateCreated, nil
}

// Delete kills the cgroup (or the process group without cgroups), removes the cgroup and the
// instance folder.
func (r *Runtime) Delete(_ context.Context, id string) error {
	if !runtime.ValidID(id) {
		return nil
	}
	if p := r.current(id); p != nil && p.alive() {
		_ = p.kill(syscall.SIGKILL)
		select {
		case <-p.done:
		case <-time.After(deleteWait):
			r.log.Warn("process group did not end after SIGKILL", "id", id, "pid", p.rec.pid)
		}
	}
	if r.opts.CgroupParent != NoCgroups { // even if this daemon could not use cgroups
		if g, err := cgroup.Open(r.cgroupPath(id)); err == nil && g.Exists() {
			if err := g.Delete(); err != nil {
				r.log.Warn("remove cgroup", "id", id, "err", err)
			}
		}
	}
	r.mu.Lock()
	if p := r.procs[id]; p != nil {
		p.stop()
		delete(r.procs, id)
	}
	r.mu.Unlock()
	// A watcher settling the exit status may still write into the folder: retry briefly.
	var err error
	for range 20 {
		if err = os.RemoveAll(r.dir(id)); err == nil {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("delete %s: %w", id, err)
}

// pidRecord is the content of the pid file.
type pidRecord struct {
	pid   int
	start uint64 // /proc/<pid>/stat starttime (clock ticks since boot)
}

func (r *Runtime) readPid(id string) (pidRecord, bool) {
	b, err := os.ReadFile(filepath.Join(r.dir(id), pidFile))
	if err != nil {
		return pidRecord{}, false
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return pidRecord{}, false
	}
	pid, err1 := strconv.Atoi(f[0])
	start, err2 := strconv.ParseUint(f[1], 10, 64)
	if err1 != nil || err2 != nil || pid <= 0 {
		return pidRecord{}, false
	}
	return pidRecord{pid: pid, start: start}, true
}

func (r *Runtime) writePid(id string, rec pidRecord) error {
	return writeAtomic(filepath.Join(r.dir(id), pidFile), fmt.Appendf(nil, "%d %d\n", rec.pid, rec.start))
}

// procStat is what the runtime reads from /proc/<pid>/stat.
type procStat struct {
	state     byte
	pgrp      int
	utime     uint64
	stime     uint64
	starttime uint64
	rssPages  int64
	ok        bool
}

func readStat(pid int) procStat {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}
	}
	// The command name may contain spaces and parentheses: fields start after the last ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return procStat{}
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 22 {
		return procStat{}
	}
	// f[0] is field 3 (state); field n is f[n-3].
	num := func(n int) uint64 { v, _ := strconv.ParseUint(f[n-3], 10, 64); return v }
	pgrp, _ := strconv.Atoi(f[5-3])
	rss, _ := strconv.ParseInt(f[24-3], 10, 64)
	return procStat{state: f[0][0], pgrp: pgrp, utime: num(14), stime: num(15), starttime: num(22), rssPages: rss, ok: true}
}

// alive reports whether rec still names the same, not yet exited, process.
func (rec pidRecord) alive() bool {
	st := readStat(rec.pid)
	return st.ok && st.starttime == rec.start && st.state != 'Z' && st.state != 'X'
}
