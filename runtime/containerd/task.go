package containerd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/cio"
	"github.com/containerd/errdefs"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/internal/cgroup"
	"github.com/skypanel/skypanel/runtime/internal/stdio"
)

// fifoIO is the cio.IO of a task: only paths; the console owns the descriptors.
type fifoIO struct{ cfg cio.Config }

func (f fifoIO) Config() cio.Config { return f.cfg }
func (fifoIO) Cancel()              {}
func (fifoIO) Wait()                {}
func (fifoIO) Close() error         { return nil }

// Start creates and starts the task (deleting the previous, exited one) and returns its console.
func (r *Runtime) Start(ctx context.Context, id string) (_ runtime.Console, retErr error) {
	ctx = r.ns(ctx)
	c, err := r.container(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := r.removeStoppedTask(ctx, c, id); err != nil {
		return nil, err
	}
	if err := r.ensureNetwork(ctx, c, id); err != nil {
		return nil, err
	}
	dir := r.stateDir(id)
	out := filepath.Join(dir, outputName)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("start %s: %w", id, err)
	}
	if err := stdio.MakeFIFO(out, 0o600); err != nil {
		return nil, fmt.Errorf("start %s: %w", id, err)
	}
	// Hold a writer until the shim has its own, so that our reader does not see end-of-file.
	keep, err := stdio.OpenRW(out)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", id, err)
	}
	defer keep.Close()
	con, err := r.openConsole(id)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", id, err)
	}
	defer func() {
		if retErr != nil {
			con.Close()
		}
	}()
	t, err := c.NewTask(ctx, func(string) (cio.IO, error) {
		return fifoIO{cio.Config{Stdout: out, Stderr: out}}, nil
	})
	if err != nil {
		return nil, r.startError(id, err)
	}
	if err := t.Start(ctx); err != nil {
		_, _ = t.Delete(context.WithoutCancel(ctx), client.WithProcessKill)
		return nil, r.startError(id, err)
	}
	return con, nil
}

// removeStoppedTask deletes the exited task of a previous start (ErrRunning if it runs).
func (r *Runtime) removeStoppedTask(ctx context.Context, c client.Container, id string) error {
	old, err := c.Task(ctx, nil)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return r.wrap("start", id, err)
	}
	st, err := old.Status(ctx)
	if err != nil {
		return r.wrap("start", id, err)
	}
	if st.Status == client.Running || st.Status == client.Paused || st.Status == client.Pausing {
		return fmt.Errorf("%w: %s", runtime.ErrRunning, id)
	}
	if _, err := old.Delete(ctx, client.WithProcessKill); err != nil && !errdefs.IsNotFound(err) {
		return r.wrap("start", id, err)
	}
	return nil
}

// startError marks errors from runc (bad mounts, missing /bin/sh, ...) as invalid specs.
func (r *Runtime) startError(id string, err error) error {
	if errdefs.IsUnavailable(err) || errdefs.IsNotFound(err) || errors.Is(err, context.Canceled) {
		return r.wrap("start", id, err)
	}
	return fmt.Errorf("start %s: %w: %w", id, runtime.ErrInvalidSpec, err)
}

// openConsole opens the output FIFO for reading and the stdin FIFO for writing.
func (r *Runtime) openConsole(id string) (*stdio.Console, error) {
	dir := r.stateDir(id)
	out, err := os.OpenFile(filepath.Join(dir, outputName), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	stdio.GrowPipe(out)
	in, err := stdio.OpenStdin(filepath.Join(dir, stdinName))
	if err != nil {
		out.Close()
		return nil, err
	}
	return stdio.NewConsole(out, in, out, in), nil
}

// runningTask returns the task of id when it runs.
func (r *Runtime) runningTask(ctx context.Context, id string) (client.Container, client.Task, error) {
	c, err := r.container(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	t, err := c.Task(ctx, nil)
	if errdefs.IsNotFound(err) {
		return nil, nil, fmt.Errorf("%w: %s", runtime.ErrNotRunning, id)
	}
	if err != nil {
		return nil, nil, r.wrap("task", id, err)
	}
	st, err := t.Status(ctx)
	if err != nil {
		return nil, nil, r.wrap("task", id, err)
	}
	if st.Status != client.Running && st.Status != client.Paused && st.Status != client.Pausing {
		return nil, nil, fmt.Errorf("%w: %s", runtime.ErrNotRunning, id)
	}
	return c, t, nil
}

// Attach opens the console of a running task (e.g. after a daemon restart). Output that the
// server wrote while nobody read (up to the pipe buffer) comes first.
func (r *Runtime) Attach(ctx context.Context, id string) (runtime.Console, error) {
	ctx = r.ns(ctx)
	if _, _, err := r.runningTask(ctx, id); err != nil {
		return nil, err
	}
	con, err := r.openConsole(id)
	if err != nil {
		return nil, fmt.Errorf("attach %s: %w", id, err)
	}
	return con, nil
}

// Signal sends sig to every process of the container.
func (r *Runtime) Signal(ctx context.Context, id string, sig syscall.Signal) error {
	ctx = r.ns(ctx)
	_, t, err := r.runningTask(ctx, id)
	if err != nil {
		return err
	}
	if err := t.Kill(ctx, sig, client.WithKillAll); err != nil {
		if errdefs.IsNotFound(err) {
			return fmt.Errorf("%w: %s", runtime.ErrNotRunning, id)
		}
		return r.wrap("signal", id, err)
	}
	return nil
}

// Wait returns a channel that receives the exit status of the current (or last, not yet
// restarted) task. The channel is closed without a value if ctx ends first.
func (r *Runtime) Wait(ctx context.Context, id string) (<-chan runtime.ExitStatus, error) {
	ctx = r.ns(ctx)
	c, err := r.container(ctx, id)
	if err != nil {
		return nil, err
	}
	t, err := c.Task(ctx, nil)
	if errdefs.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %s", runtime.ErrNotRunning, id)
	}
	if err != nil {
		return nil, r.wrap("wait", id, err)
	}
	cgPath := ""
	if s, err := c.Spec(ctx); err == nil && s.Linux != nil {
		cgPath = s.Linux.CgroupsPath
	}
	exited, err := t.Wait(ctx)
	if err != nil {
		return nil, r.wrap("wait", id, err)
	}
	ch := make(chan runtime.ExitStatus, 1)
	go r.waitLoop(ctx, id, c, exited, cgPath, ch)
	return ch, nil
}

// waitLoop delivers the exit status, waiting again when the connection to containerd breaks
// (containerd restarts do not stop tasks).
func (r *Runtime) waitLoop(ctx context.Context, id string, c client.Container, exited <-chan client.ExitStatus, cgPath string, ch chan<- runtime.ExitStatus) {
	for {
		es := <-exited
		code, at, err := es.Result()
		if err == nil {
			ch <- runtime.ExitStatus{Code: int(code), At: at, OOMKilled: oomKilled(cgPath)}
			return
		}
		if ctx.Err() != nil {
			close(ch)
			return
		}
		r.log.Warn("wait for task interrupted; waiting again", "id", id, "err", err)
		select {
		case <-ctx.Done():
			close(ch)
			return
		case <-time.After(time.Second):
		}
		if t, err := c.Task(ctx, nil); err == nil {
			if e, err := t.Wait(ctx); err == nil {
				exited = e
				continue
			}
		}
		exited = brokenWait(err)
	}
}

func brokenWait(err error) <-chan client.ExitStatus {
	ch := make(chan client.ExitStatus, 1)
	ch <- *client.NewExitStatus(client.UnknownExitStatus, time.Time{}, err)
	return ch
}

// oomKilled reads the OOM kill counter of the task's cgroup (still there until the task is
// deleted).
func oomKilled(cgPath string) bool {
	if cgPath == "" {
		return false
	}
	g, err := cgroup.Open(cgPath)
	if err != nil {
		return false
	}
	n, err := g.OOMKills()
	return err == nil && n > 0
}
