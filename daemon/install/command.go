package install

import (
	"context"
	"fmt"
	"io"
	"maps"
	"strings"
	"syscall"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/runtime"
)

const (
	// InstanceSuffix names the temporary runtime instance of command steps: "<id>.install".
	InstanceSuffix = daemon.InstallInstanceSuffix
	// cleanupTimeout bounds deleting the temporary instance and waiting for a killed command.
	cleanupTimeout = 30 * time.Second
	// drainTimeout bounds waiting for the rest of a finished command's output.
	drainTimeout = 2 * time.Second
)

// command runs a command step in the server's environment: a temporary instance of the
// server's runtime ("<id>.install", the plan's image or the server's, the server's folder,
// variables and limits; the folder mounted at the step's Mount, its working directory,
// docker only) running the non-empty lines under `set -e`. Output goes to the
// console; a non-zero exit is ErrCommandFailed; cancellation kills it. The instance is always
// deleted (and a leftover of an interrupted installation replaced).
func (r *run) command(ctx context.Context, s Step) error {
	var lines []string
	for _, c := range s.Commands {
		if strings.TrimSpace(c) != "" {
			lines = append(lines, c)
		}
	}
	if len(lines) == 0 {
		r.say("nothing to run")
		return nil
	}
	rt := r.in.runtimes[r.def.Environment]
	if rt == nil {
		return fmt.Errorf("%w: environment %q", ErrNoRuntime, r.def.Environment)
	}
	id := r.def.ID + InstanceSuffix
	if !runtime.ValidID(id) {
		return fmt.Errorf("%w: server id %q is too long for an install instance", ErrInvalidPlan, r.def.ID)
	}
	spec := runtime.Spec{ID: id, Image: orDefault(r.plan.Image, r.def.Image), Dir: r.dir, Mount: s.Mount,
		Command: "set -e\n" + strings.Join(lines, "\n"), Env: r.env(), Limits: r.def.Limits.Runtime(),
		User: r.def.RuntimeUser()}
	bg := context.WithoutCancel(ctx)
	r.deleteInstance(bg, rt, id) // a leftover of an interrupted installation
	if err := rt.Create(ctx, spec); err != nil {
		return fmt.Errorf("prepare the install environment: %w", err)
	}
	defer r.deleteInstance(bg, rt, id)
	con, err := rt.Start(ctx, id)
	if err != nil {
		return fmt.Errorf("start the install command: %w", err)
	}
	waitCtx, stopWait := context.WithCancel(bg)
	defer stopWait()
	exitCh, err := rt.Wait(waitCtx, id)
	if err != nil {
		_ = rt.Signal(bg, id, syscall.SIGKILL)
		_ = con.Close()
		return fmt.Errorf("wait for the install command: %w", err)
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(r.out, con.Output())
	}()
	defer func() { _ = con.Close(); <-copied }()
	select {
	case st, ok := <-exitCh:
		select { // let the last lines reach the console
		case <-copied:
		case <-time.After(drainTimeout):
		}
		return exitError(st, ok)
	case <-ctx.Done():
		_ = rt.Signal(bg, id, syscall.SIGKILL)
		select {
		case <-exitCh:
		case <-time.After(cleanupTimeout):
		}
		return fmt.Errorf("install command stopped: %w", ctx.Err())
	}
}

func exitError(st runtime.ExitStatus, ok bool) error {
	switch {
	case !ok:
		return fmt.Errorf("%w: lost track of the process", ErrCommandFailed)
	case st.OOMKilled:
		return fmt.Errorf("%w: killed for exceeding the memory limit", ErrCommandFailed)
	case st.Code != 0:
		return fmt.Errorf("%w: exit code %d", ErrCommandFailed, st.Code)
	}
	return nil
}

// env is the environment of install commands: the server's extra environment, its variables
// and the built-ins (SERVER_MEMORY, SERVER_PORT, SERVER_IP).
func (r *run) env() map[string]string {
	env := maps.Clone(r.def.Env)
	if env == nil {
		env = map[string]string{}
	}
	maps.Copy(env, values(r.def))
	return env
}

func (r *run) deleteInstance(ctx context.Context, rt runtime.Runtime, id string) {
	ctx, cancel := context.WithTimeout(ctx, cleanupTimeout)
	defer cancel()
	if err := rt.Delete(ctx, id); err != nil {
		r.in.log.Warn("delete install instance", "instance", id, "err", err)
	}
}
