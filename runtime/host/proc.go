package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/internal/cgroup"
)

// statusFile keeps the settled exit status of the last run ("<code> <oom> <unix nanos>").
const statusFile = "status"

// proc is one run of an instance, started here or found again through its pid file.
type proc struct {
	r   *Runtime
	id  string
	rec pidRecord
	cmd *exec.Cmd     // nil when found again after a restart
	cg  *cgroup.Group // nil without cgroups

	done   chan struct{} // closed once the status is settled
	status runtime.ExitStatus
	quit   chan struct{} // stops a pidfd watch (Delete)
	qonce  sync.Once

	mu      sync.Mutex // CPU sampling
	lastCPU time.Duration
	lastAt  time.Time
}

func (p *proc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return p.rec.alive()
	}
}

func (p *proc) stop() { p.qonce.Do(func() { close(p.quit) }) }

// kill signals the whole process group; SIGKILL also kills everything in the instance's cgroup
// (processes that left the group or the session with setsid).
func (p *proc) kill(sig syscall.Signal) error {
	if sig == syscall.SIGKILL && p.cg != nil {
		err := p.cg.Kill()
		if err == nil {
			return nil
		}
		p.r.log.Warn("kill cgroup; killing the process group", "id", p.id, "err", err)
	}
	if err := syscall.Kill(-p.rec.pid, sig); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("%w: %s", runtime.ErrNotRunning, p.id)
		}
		return fmt.Errorf("signal %s: %w", p.id, err)
	}
	return nil
}

// current returns the run of id known here, or the one recorded in its pid file (watching it
// when it still lives); nil when the instance never ran.
func (r *Runtime) current(id string) *proc {
	rec, ok := r.readPid(id)
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.procs[id]; p != nil && (!ok || p.rec == rec) {
		return p
	}
	if !ok {
		return nil
	}
	p := r.newProc(id, rec, nil)
	if r.opts.CgroupParent != NoCgroups {
		if g, err := cgroup.Open(r.cgroupPath(id)); err == nil && g.Exists() {
			p.cg = g
		}
	}
	r.procs[id] = p
	if rec.alive() {
		go p.watchPidfd()
	} else {
		p.settle(nil, false)
	}
	return p
}

func (r *Runtime) newProc(id string, rec pidRecord, cmd *exec.Cmd) *proc {
	return &proc{r: r, id: id, rec: rec, cmd: cmd, done: make(chan struct{}), quit: make(chan struct{})}
}

// waitChild reaps a process started by this runtime.
func (p *proc) waitChild() {
	_ = p.cmd.Wait()
	p.settle(p.cmd.ProcessState, true)
}

// watchPidfd waits for a process that is not our child (found again after a restart).
func (p *proc) watchPidfd() {
	fd, err := unix.PidfdOpen(p.rec.pid, unix.PIDFD_NONBLOCK)
	if err == nil && p.rec.alive() { // still the same process now that we hold a pidfd
		f := os.NewFile(uintptr(fd), "pidfd")
		exited := make(chan struct{})
		go func() {
			defer close(exited)
			rc, err := f.SyscallConn()
			if err != nil {
				return
			}
			// Check readiness in the callback (a pidfd is readable once the process exited):
			// the poller only reports edges after the read was prepared.
			_ = rc.Read(func(fd uintptr) bool {
				pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
				n, err := unix.Poll(pfd, 0)
				return err != nil || n > 0
			})
		}()
		select {
		case <-exited:
		case <-p.quit:
		}
		f.Close()
	} else if err == nil {
		unix.Close(fd)
	}
	for p.rec.alive() { // no pidfd (old kernel), or quit: poll
		select {
		case <-p.quit:
			return
		case <-time.After(pollInterval):
		}
	}
	p.settle(nil, true)
}

// settle computes the exit status once, records it, ends leftovers of the group and removes the
// cgroup. observed is false for a run found dead in its pid file: its process group id may
// have been reused since, so no signal is sent then.
func (p *proc) settle(ps *os.ProcessState, observed bool) {
	dir := p.r.dir(p.id)
	st, ok := readStatus(filepath.Join(dir, statusFile))
	if !ok {
		st = runtime.ExitStatus{Code: 128 + int(syscall.SIGKILL), At: time.Now()}
		if b, err := os.ReadFile(filepath.Join(dir, exitFile)); err == nil {
			if c, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				st.Code = c
				if fi, err := os.Stat(filepath.Join(dir, exitFile)); err == nil && ps == nil {
					st.At = fi.ModTime()
				}
			} else if ps != nil {
				st.Code = exitCode(ps)
			}
		}
		if p.cg != nil {
			if n, err := p.cg.OOMKills(); err == nil && n > 0 {
				st.OOMKilled = true
			}
		}
		_ = writeAtomic(filepath.Join(dir, statusFile), fmt.Appendf(nil, "%d %t %d\n", st.Code, st.OOMKilled, st.At.UnixNano()))
	}
	if p.cg != nil {
		_ = p.cg.Delete() // kills what is left in it
	} else if observed {
		_ = syscall.Kill(-p.rec.pid, syscall.SIGKILL) // leftovers of the group
	}
	p.status = st
	close(p.done)
}

func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

func readStatus(path string) (runtime.ExitStatus, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return runtime.ExitStatus{}, false
	}
	var (
		st   runtime.ExitStatus
		nano int64
	)
	if _, err := fmt.Sscanf(string(b), "%d %t %d", &st.Code, &st.OOMKilled, &nano); err != nil {
		return runtime.ExitStatus{}, false
	}
	st.At = time.Unix(0, nano)
	return st, true
}

// Wait returns a channel that receives the exit status of the current (or last) run.
func (r *Runtime) Wait(ctx context.Context, id string) (<-chan runtime.ExitStatus, error) {
	if _, err := r.loadSpec(id); err != nil {
		return nil, err
	}
	p := r.current(id)
	if p == nil {
		return nil, fmt.Errorf("%w: %s", runtime.ErrNotRunning, id)
	}
	ch := make(chan runtime.ExitStatus, 1)
	go func() {
		select {
		case <-p.done:
			ch <- p.status
		case <-ctx.Done():
			close(ch)
		}
	}()
	return ch, nil
}

// Signal sends sig to the process group.
func (r *Runtime) Signal(_ context.Context, id string, sig syscall.Signal) error {
	p, err := r.running(id)
	if err != nil {
		return err
	}
	return p.kill(sig)
}

// running returns the live run of id.
func (r *Runtime) running(id string) (*proc, error) {
	if _, err := r.loadSpec(id); err != nil {
		return nil, err
	}
	p := r.current(id)
	if p == nil || !p.alive() {
		return nil, fmt.Errorf("%w: %s", runtime.ErrNotRunning, id)
	}
	return p, nil
}
