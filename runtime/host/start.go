package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/internal/cgroup"
	"github.com/skypanel/skypanel/runtime/internal/stdio"
)

// wrapper runs the command ($1) as a child and records its exit code on fd 3. It waits for a
// line on fd 4 first (the daemon sends it once the process is in its cgroup), and handles the
// signals sent to the group (handlers, not "ignore", so the command keeps default dispositions).
const wrapper = `read -r _ <&4; exec 4<&-; trap : TERM INT HUP QUIT USR1 USR2; /bin/sh -c "$1" 3>&-; c=$?; echo $c >&3; exit $c`

// defaultPath is PATH unless Spec.Env sets one.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Start starts the command in a new session (its own process group) and returns its console.
func (r *Runtime) Start(_ context.Context, id string) (runtime.Console, error) {
	spec, err := r.loadSpec(id)
	if err != nil {
		return nil, err
	}
	if err := r.refuse(id); err != nil {
		return nil, err
	}
	if p := r.current(id); p != nil && p.alive() {
		return nil, fmt.Errorf("%w: %s", runtime.ErrRunning, id)
	}
	dir := r.dir(id)
	for _, f := range []string{pidFile, exitFile, statusFile} {
		_ = os.Remove(filepath.Join(dir, f))
	}
	var cg *cgroup.Group
	if r.cgroups {
		if old, err := cgroup.Open(r.cgroupPath(id)); err == nil {
			_ = old.Delete() // fresh counters (OOM kills) for every run
		}
		if cg, err = cgroup.Create(r.cgroupPath(id), r.enforced(spec.Limits)); err != nil {
			return nil, fmt.Errorf("start %s: limits: %w", id, err)
		}
	}
	p, err := r.spawn(spec, cg)
	if err != nil {
		if cg != nil {
			_ = cg.Delete()
		}
		return nil, fmt.Errorf("start %s: %w", id, err)
	}
	c, err := r.console(p, false)
	if err != nil {
		_ = p.kill(syscall.SIGKILL)
		return nil, fmt.Errorf("start %s: %w", id, err)
	}
	return c, nil
}

// spawn starts the wrapper, records it and releases it once it is in its cgroup.
func (r *Runtime) spawn(spec runtime.Spec, cg *cgroup.Group) (*proc, error) {
	dir := r.dir(spec.ID)
	if err := stdio.MakeFIFO(filepath.Join(dir, stdinFile), 0o600); err != nil {
		return nil, err
	}
	files, err := openFiles(dir)
	if err != nil {
		return nil, err
	}
	defer files.close()
	uid, gid, err := r.userOf(spec)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("/bin/sh", "-c", wrapper, "sh", spec.Command)
	cmd.Dir = spec.Dir
	cmd.Env = environ(spec)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = files.stdin, files.log, files.log
	cmd.ExtraFiles = []*os.File{files.exit, files.gateR}
	// A new session: no controlling terminal, its own process group (pgid = pid).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if r.asRoot {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{}}
	}
	if err := startNoNewPrivs(cmd); err != nil {
		if errors.Is(err, os.ErrPermission) || errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %w%s", runtime.ErrInvalidSpec, err, r.reachHint(spec.Dir, uid, gid))
		}
		return nil, err
	}
	rec := pidRecord{pid: cmd.Process.Pid, start: readStat(cmd.Process.Pid).starttime}
	p := r.newProc(spec.ID, rec, cmd)
	p.cg = cg
	err = r.writePid(spec.ID, rec)
	if err == nil && cg != nil {
		err = cg.Add(rec.pid)
	}
	if err == nil {
		_, err = files.gateW.Write([]byte("go\n"))
	}
	if err != nil {
		_ = syscall.Kill(-rec.pid, syscall.SIGKILL)
		_ = cmd.Wait()
		return nil, err
	}
	r.mu.Lock()
	r.procs[spec.ID] = p
	r.mu.Unlock()
	go p.waitChild()
	return p, nil
}

// startFiles are the descriptors handed to a new process.
type startFiles struct {
	stdin, log, exit, gateR, gateW *os.File
}

func openFiles(dir string) (*startFiles, error) {
	var (
		f   startFiles
		err error
	)
	if f.stdin, err = stdio.OpenRW(filepath.Join(dir, stdinFile)); err != nil {
		return nil, err
	}
	f.log, err = os.OpenFile(filepath.Join(dir, logFile), os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o600)
	if err == nil {
		f.exit, err = os.OpenFile(filepath.Join(dir, exitFile), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	}
	if err == nil {
		f.gateR, f.gateW, err = os.Pipe()
	}
	if err != nil {
		f.close()
		return nil, err
	}
	return &f, nil
}

func (f *startFiles) close() {
	for _, x := range []*os.File{f.stdin, f.log, f.exit, f.gateR, f.gateW} {
		if x != nil {
			x.Close()
		}
	}
}

// environ is Spec.Env plus PATH and HOME (the data folder) unless Spec.Env sets them.
func environ(spec runtime.Spec) []string {
	env := map[string]string{"PATH": defaultPath, "HOME": spec.Dir}
	for k, v := range spec.Env {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// Attach returns a console on the running process: output from now on, and stdin.
func (r *Runtime) Attach(_ context.Context, id string) (runtime.Console, error) {
	p, err := r.running(id)
	if err != nil {
		return nil, err
	}
	return r.console(p, true)
}

func (r *Runtime) console(p *proc, fromEnd bool) (runtime.Console, error) {
	dir := r.dir(p.id)
	fl, err := newFollower(filepath.Join(dir, logFile), fromEnd, r.opts.MaxLogBytes, p.done)
	if err != nil {
		return nil, err
	}
	in, err := stdio.OpenStdin(filepath.Join(dir, stdinFile))
	if err != nil {
		fl.Close()
		return nil, err
	}
	return stdio.NewConsole(fl, in, fl, in), nil
}

// reachHint names the first folder on the way to dir that the server processes' user cannot
// enter (as root, a data folder under e.g. a 0700 home folder makes every start fail with a
// bare "permission denied"), or returns "".
func (r *Runtime) reachHint(dir string, uid, gid uint32) string {
	if !r.asRoot {
		return ""
	}
	for d := string(filepath.Separator); ; {
		fi, err := os.Stat(d)
		if err != nil {
			return ""
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return ""
		}
		perm := fi.Mode().Perm()
		var x os.FileMode = 0o001
		switch {
		case st.Uid == uid:
			x = 0o100
		case st.Gid == gid:
			x = 0o010
		}
		if perm&x == 0 {
			return fmt.Sprintf(" (uid %d cannot reach the server folder %s: %s has mode %v)", uid, dir, d, perm)
		}
		if d == dir {
			return ""
		}
		rel, err := filepath.Rel(d, dir)
		if err != nil || rel == "." {
			return ""
		}
		d = filepath.Join(d, strings.Split(rel, string(filepath.Separator))[0])
	}
}
