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
	"github.com/containerd/errdefs"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/internal/stdio"
)

// FIFO names in a server's state folder.
const (
	stdinName  = "stdin"
	outputName = "output"
	// killWait bounds how long Delete waits for a killed task to exit.
	killWait = 10 * time.Second
)

// Create pulls the image when missing and creates the container with its snapshot and spec.
// On failure nothing is left behind.
func (r *Runtime) Create(ctx context.Context, spec runtime.Spec) (retErr error) {
	ctx = r.ns(ctx)
	if err := spec.Validate(); err != nil {
		return err
	}
	if spec.Image == "" {
		return fmt.Errorf("%w: no image", runtime.ErrInvalidSpec)
	}
	ref, err := normalize(spec.Image)
	if err != nil {
		return err
	}
	cid := ContainerID(spec.ID)
	if _, err := r.client.LoadContainer(ctx, cid); err == nil {
		return fmt.Errorf("%w: %s", runtime.ErrExists, spec.ID)
	} else if !errdefs.IsNotFound(err) {
		return r.wrap("create", spec.ID, err)
	}
	img, err := r.ensureImage(ctx, ref)
	if err != nil {
		return err
	}
	dir := r.stateDir(spec.ID)
	stdin := filepath.Join(dir, stdinName)
	defer func() {
		if retErr != nil {
			ctx := context.WithoutCancel(ctx)
			if err := r.teardownNetwork(ctx, spec.ID); err != nil {
				r.log.Warn("create failed; network left behind", "id", spec.ID, "err", err)
			}
			_ = os.RemoveAll(dir)
			_ = r.removeSnapshot(ctx, cid)
		}
	}()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", spec.ID, err)
	}
	if err := r.setupNetwork(ctx, spec); err != nil {
		return err
	}
	if err := stdio.MakeFIFO(stdin, 0o600); err != nil {
		return fmt.Errorf("create %s: %w", spec.ID, err)
	}
	_ = r.removeSnapshot(ctx, cid) // left over by an interrupted Create
	if err := r.newContainer(ctx, img, spec, stdin); err != nil {
		return err
	}
	return nil
}

// newContainer creates the container and gives the stdin FIFO to the container's user.
func (r *Runtime) newContainer(ctx context.Context, img client.Image, spec runtime.Spec, stdin string) error {
	cid := ContainerID(spec.ID)
	c, err := r.client.NewContainer(ctx, cid,
		client.WithImage(img),
		client.WithSnapshotter(r.opts.Snapshotter),
		client.WithNewSnapshot(cid, img),
		client.WithRuntime(r.opts.Runtime, nil),
		client.WithNewSpec(r.specOpts(img, spec, stdin)...),
		client.WithContainerLabels(map[string]string{
			LabelManaged:     "true",
			LabelServerID:    spec.ID,
			LabelEnvironment: runtime.EnvDocker,
		}))
	if err != nil {
		return r.wrap("create", spec.ID, err)
	}
	s, err := c.Spec(ctx)
	if err == nil && s.Process != nil {
		err = os.Chown(stdin, int(s.Process.User.UID), int(s.Process.User.GID))
	}
	if err != nil {
		_ = c.Delete(ctx, client.WithSnapshotCleanup)
		return fmt.Errorf("create %s: %w", spec.ID, err)
	}
	r.log.Debug("created", "id", spec.ID, "image", img.Name(), "limits", spec.Limits)
	return nil
}

func (r *Runtime) removeSnapshot(ctx context.Context, key string) error {
	err := r.client.SnapshotService(r.opts.Snapshotter).Remove(ctx, key)
	if errdefs.IsNotFound(err) {
		return nil
	}
	return err
}

// wrap maps containerd errors onto the runtime's sentinels.
func (r *Runtime) wrap(op, id string, err error) error {
	switch {
	case errdefs.IsNotFound(err):
		return fmt.Errorf("%s %s: %w: %w", op, id, runtime.ErrNotFound, err)
	case errdefs.IsAlreadyExists(err):
		return fmt.Errorf("%s %s: %w: %w", op, id, runtime.ErrExists, err)
	case errdefs.IsUnavailable(err), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s %s: %w: %w", op, id, runtime.ErrUnavailable, err)
	}
	return fmt.Errorf("%s %s: %w", op, id, err)
}

// container loads the container of server id.
func (r *Runtime) container(ctx context.Context, id string) (client.Container, error) {
	if !runtime.ValidID(id) {
		return nil, fmt.Errorf("%w: %q", runtime.ErrNotFound, id)
	}
	c, err := r.client.LoadContainer(ctx, ContainerID(id))
	if err != nil {
		return nil, r.wrap("load", id, err)
	}
	return c, nil
}

// State reports absent (no container), running (task running or paused) or created.
func (r *Runtime) State(ctx context.Context, id string) (runtime.State, error) {
	ctx = r.ns(ctx)
	c, err := r.container(ctx, id)
	if errors.Is(err, runtime.ErrNotFound) {
		return runtime.StateAbsent, nil
	}
	if err != nil {
		return "", err
	}
	t, err := c.Task(ctx, nil)
	if errdefs.IsNotFound(err) {
		return runtime.StateCreated, nil
	}
	if err != nil {
		return "", r.wrap("state", id, err)
	}
	st, err := t.Status(ctx)
	if err != nil {
		return "", r.wrap("state", id, err)
	}
	switch st.Status {
	case client.Running, client.Paused, client.Pausing:
		return runtime.StateRunning, nil
	}
	return runtime.StateCreated, nil
}

// Delete kills the task, then removes task, container, snapshot and the FIFO folder.
func (r *Runtime) Delete(ctx context.Context, id string) error {
	ctx = r.ns(ctx)
	if !runtime.ValidID(id) {
		return nil
	}
	c, err := r.container(ctx, id)
	switch {
	case errors.Is(err, runtime.ErrNotFound):
		if err := r.removeSnapshot(ctx, ContainerID(id)); err != nil {
			return r.wrap("delete", id, err)
		}
	case err != nil:
		return err
	default:
		if err := r.deleteTask(ctx, c); err != nil {
			return r.wrap("delete", id, err)
		}
		if err := c.Delete(ctx, client.WithSnapshotCleanup); err != nil && !errdefs.IsNotFound(err) {
			return r.wrap("delete", id, err)
		}
	}
	r.mu.Lock()
	delete(r.samples, id)
	r.mu.Unlock()
	if err := r.teardownNetwork(ctx, id); err != nil {
		return err
	}
	if err := os.RemoveAll(r.stateDir(id)); err != nil {
		return fmt.Errorf("delete %s: %w", id, err)
	}
	return nil
}

// deleteTask kills a running task (every process), waits for it and deletes it.
func (r *Runtime) deleteTask(ctx context.Context, c client.Container) error {
	t, err := c.Task(ctx, nil)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if st, err := t.Status(ctx); err == nil && st.Status != client.Stopped {
		wctx, cancel := context.WithTimeout(ctx, killWait)
		defer cancel()
		exited, err := t.Wait(wctx)
		if err != nil {
			return err
		}
		if err := t.Kill(ctx, syscall.SIGKILL, client.WithKillAll); err != nil && !errdefs.IsNotFound(err) {
			r.log.Warn("kill task", "container", c.ID(), "err", err)
		}
		<-exited
	}
	if _, err := t.Delete(ctx, client.WithProcessKill); err != nil && !errdefs.IsNotFound(err) {
		return err
	}
	return nil
}
