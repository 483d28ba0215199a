package fake

import (
	"context"
	"fmt"
	"slices"
	"syscall"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// DefaultMemory is the memory a fake process reports unless SetStats says otherwise.
const DefaultMemory = 8 << 20

// Stats returns the stats set with SetStats, or DefaultMemory and 1% CPU, with the memory limit
// of the instance.
func (r *Runtime) Stats(_ context.Context, id string) (runtime.Stats, error) {
	if err := r.failure("Stats"); err != nil {
		return runtime.Stats{}, err
	}
	r.w.mu.Lock()
	defer r.w.mu.Unlock()
	in, _, err := r.w.running(id)
	if err != nil {
		return runtime.Stats{}, err
	}
	st := runtime.Stats{CPUPercent: 1, MemoryBytes: DefaultMemory}
	if in.stats != nil {
		st = *in.stats
	}
	st.MemoryLimit = uint64(in.spec.Limits.MemoryMiB) << 20
	return st, nil
}

// Update records the new limits.
func (r *Runtime) Update(_ context.Context, id string, limits runtime.Limits) error {
	if err := r.failure("Update"); err != nil {
		return err
	}
	if err := limits.Validate(); err != nil {
		return err
	}
	r.w.mu.Lock()
	defer r.w.mu.Unlock()
	in, err := r.w.get(id)
	if err != nil {
		return err
	}
	in.spec.Limits = limits
	return nil
}

// Exit makes the running process exit with code.
func (r *Runtime) Exit(id string, code int) error {
	return r.end(id, code, false)
}

// OOMKill makes the running process end as if the memory limit killed it.
func (r *Runtime) OOMKill(id string) error {
	return r.end(id, 128+int(syscall.SIGKILL), true)
}

func (r *Runtime) end(id string, code int, oom bool) error {
	r.w.mu.Lock()
	_, p, err := r.w.running(id)
	r.w.mu.Unlock()
	if err != nil {
		return err
	}
	p.exit(code, oom)
	return nil
}

// Emit prints a line on the running process's output.
func (r *Runtime) Emit(id, line string) error {
	r.w.mu.Lock()
	_, p, err := r.w.running(id)
	r.w.mu.Unlock()
	if err != nil {
		return err
	}
	p.println(line)
	return nil
}

// SetStats sets what Stats returns for id (its MemoryLimit is always the instance's limit).
func (r *Runtime) SetStats(id string, st runtime.Stats) error {
	r.w.mu.Lock()
	defer r.w.mu.Unlock()
	in, err := r.w.get(id)
	if err != nil {
		return err
	}
	in.stats = &st
	return nil
}

// Signals returns the signals sent to the instance so far.
func (r *Runtime) Signals(id string) []syscall.Signal {
	r.w.mu.Lock()
	defer r.w.mu.Unlock()
	if in, ok := r.w.insts[id]; ok {
		return slices.Clone(in.signals)
	}
	return nil
}

// StdinLines returns the lines written to the instance's stdin so far.
func (r *Runtime) StdinLines(id string) []string {
	r.w.mu.Lock()
	defer r.w.mu.Unlock()
	if in, ok := r.w.insts[id]; ok {
		return slices.Clone(in.stdin)
	}
	return nil
}

// WaitRunning blocks until id runs or ctx ends (for tests that start through the daemon).
func (r *Runtime) WaitRunning(ctx context.Context, id string) error {
	for {
		if st, _ := r.State(ctx, id); st == runtime.StateRunning {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not running: %w", id, ctx.Err())
		case <-time.After(time.Millisecond):
		}
	}
}
