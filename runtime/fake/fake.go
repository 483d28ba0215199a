// Package fake is an in-memory runtime.Runtime for unit tests of the daemon. An instance's
// "process" is a goroutine interpreting a tiny subset of shell: statements separated by ';' or
// newlines, where `echo TEXT` prints TEXT (with $VAR and $(pwd) expanded), `exit N` exits with N,
// a statement containing `read` echoes every stdin line as Options.EchoPrefix+line until stdin
// is closed, one mentioning /dev/zero allocates until the memory limit kills it (or forever
// without a limit), `sleep N` sleeps N seconds, and anything else is ignored. After the last
// statement the process exits 0.
//
// Tests drive processes from outside with Exit, OOMKill, Emit and SetStats and inspect them
// with Signals and StdinLines. Reopen returns a second Runtime value on the same instances, as a
// restarted daemon sees them. All methods are safe for concurrent use.
package fake

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// Options configure the fake.
type Options struct {
	// EchoPrefix prefixes echoed stdin lines (default "echo:").
	EchoPrefix string
	// ExitOnLine, when set, makes the echo loop exit 0 on this stdin line (e.g. "stop").
	ExitOnLine string
	// Images lists the images that exist; empty means every image exists.
	Images []string
	// Ignore lists signals the processes ignore (all others, except SIGKILL, have their default
	// effect: SIGTERM, SIGINT, SIGHUP, SIGQUIT end the process with 128+signal).
	Ignore []syscall.Signal
	// Environment is what Environment reports (default runtime.EnvDocker).
	Environment string
	// WorkDir is what $(pwd) prints (default "/home/container"; "" keeps the default, use
	// "dir" to print Spec.Dir).
	WorkDir string
	// Unavailable, when set, is returned (wrapped in runtime.ErrUnavailable) by Available.
	Unavailable string
}

// Runtime is the fake runtime.
type Runtime struct {
	w *world
}

var _ runtime.Runtime = (*Runtime)(nil)

type world struct {
	mu    sync.Mutex
	opts  Options
	insts map[string]*instance
	fail  map[string]error
}

type instance struct {
	spec    runtime.Spec
	proc    *process
	last    *runtime.ExitStatus
	signals []syscall.Signal
	stdin   []string
	stats   *runtime.Stats
	prevCPU time.Time
}

// New returns an empty fake.
func New(opts Options) *Runtime {
	if opts.EchoPrefix == "" {
		opts.EchoPrefix = "echo:"
	}
	if opts.Environment == "" {
		opts.Environment = runtime.EnvDocker
	}
	if opts.WorkDir == "" {
		opts.WorkDir = "/home/container"
	}
	return &Runtime{w: &world{opts: opts, insts: map[string]*instance{}, fail: map[string]error{}}}
}

// Reopen returns another Runtime value on the same instances (what a restarted daemon gets).
func (r *Runtime) Reopen() *Runtime { return &Runtime{w: r.w} }

// FailNext makes the next call of method op (e.g. "Create", "Start") return err.
func (r *Runtime) FailNext(op string, err error) {
	r.w.mu.Lock()
	defer r.w.mu.Unlock()
	r.w.fail[op] = err
}

// Environment reports Options.Environment.
func (r *Runtime) Environment() string { return r.w.opts.Environment }

// Available returns nil unless Options.Unavailable is set.
func (r *Runtime) Available(context.Context) error {
	if err := r.failure("Available"); err != nil {
		return err
	}
	if r.w.opts.Unavailable != "" {
		return fmt.Errorf("%w: %s", runtime.ErrUnavailable, r.w.opts.Unavailable)
	}
	return nil
}

// failure pops an injected error for op.
func (r *Runtime) failure(op string) error {
	r.w.mu.Lock()
	defer r.w.mu.Unlock()
	err := r.w.fail[op]
	delete(r.w.fail, op)
	return err
}

// Create registers the instance.
func (r *Runtime) Create(_ context.Context, spec runtime.Spec) error {
	if err := r.failure("Create"); err != nil {
		return err
	}
	if err := spec.Validate(); err != nil {
		return err
	}
	if len(r.w.opts.Images) > 0 && !slices.Contains(r.w.opts.Images, spec.Image) {
		return fmt.Errorf("%w: %s not found", runtime.ErrImage, spec.Image)
	}
	r.w.mu.Lock()
	defer r.w.mu.Unlock()
	if _, ok := r.w.insts[spec.ID]; ok {
		return fmt.Errorf("%w: %s", runtime.ErrExists, spec.ID)
	}
	spec.Env = maps(spec.Env)
	r.w.insts[spec.ID] = &instance{spec: spec}
	return nil
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// get returns the instance (w.mu held).
func (w *world) get(id string) (*instance, error) {
	in, ok := w.insts[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", runtime.ErrNotFound, id)
	}
	return in, nil
}

// running returns the running process (w.mu held).
func (w *world) running(id string) (*instance, *process, error) {
	in, err := w.get(id)
	if err != nil {
		return nil, nil, err
	}
	if in.proc == nil {
		return in, nil, fmt.Errorf("%w: %s", runtime.ErrNotRunning, id)
	}
	return in, in.proc, nil
}

// Start starts the scripted process.
func (r *Runtime) Start(_ context.Context, id string) (runtime.Console, error) {
	if err := r.failure("Start"); err != nil {
		return nil, err
	}
	r.w.mu.Lock()
	defer r.w.mu.Unlock()
	in, err := r.w.get(id)
	if err != nil {
		return nil, err
	}
	if in.proc != nil {
		return nil, fmt.Errorf("%w: %s", runtime.ErrRunning, id)
	}
	p := newProcess(r.w, in)
	in.proc, in.last, in.prevCPU = p, nil, time.Time{}
	c := p.attach()
	go p.run()
	return c, nil
}

// Attach attaches a new console to the running process.
func (r *Runtime) Attach(_ context.Context, id string) (runtime.Console, error) {
	if err := r.failure("Attach"); err != nil {
		return nil, err
	}
	r.w.mu.Lock()
	defer r.w.mu.Unlock()
	_, p, err := r.w.running(id)
	if err != nil {
		return nil, err
	}
	return p.attach(), nil
}

// Wait returns a channel that gets the exit status of the current (or just ended) process.
func (r *Runtime) Wait(ctx context.Context, id string) (<-chan runtime.ExitStatus, error) {
	if err := r.failure("Wait"); err != nil {
		return nil, err
	}
	r.w.mu.Lock()
	in, err := r.w.get(id)
	if err != nil {
		r.w.mu.Unlock()
		return nil, err
	}
	p, last := in.proc, in.last
	r.w.mu.Unlock()
	ch := make(chan runtime.ExitStatus, 1)
	switch {
	case p != nil:
		go func() {
			select {
			case <-p.done:
				ch <- p.status
			case <-ctx.Done():
				close(ch)
			}
		}()
	case last != nil:
		ch <- *last
	default:
		return nil, fmt.Errorf("%w: %s", runtime.ErrNotRunning, id)
	}
	return ch, nil
}

// Signal records the signal and applies its default effect unless Options.Ignore lists it.
func (r *Runtime) Signal(_ context.Context, id string, sig syscall.Signal) error {
	if err := r.failure("Signal"); err != nil {
		return err
	}
	r.w.mu.Lock()
	in, p, err := r.w.running(id)
	if err != nil {
		r.w.mu.Unlock()
		return err
	}
	in.signals = append(in.signals, sig)
	ignored := slices.Contains(r.w.opts.Ignore, sig) && sig != syscall.SIGKILL
	r.w.mu.Unlock()
	switch {
	case ignored:
	case sig == syscall.SIGKILL, sig == syscall.SIGTERM, sig == syscall.SIGINT, sig == syscall.SIGHUP, sig == syscall.SIGQUIT:
		p.exit(128+int(sig), false)
	}
	return nil
}

// State reports the instance's state.
func (r *Runtime) State(_ context.Context, id string) (runtime.State, error) {
	if err := r.failure("State"); err != nil {
		return "", err
	}
	r.w.mu.Lock()
	defer r.w.mu.Unlock()
	in, ok := r.w.insts[id]
	switch {
	case !ok:
		return runtime.StateAbsent, nil
	case in.proc != nil:
		return runtime.StateRunning, nil
	default:
		return runtime.StateCreated, nil
	}
}

// Delete ends the process and forgets the instance.
func (r *Runtime) Delete(_ context.Context, id string) error {
	if err := r.failure("Delete"); err != nil {
		return err
	}
	r.w.mu.Lock()
	in, ok := r.w.insts[id]
	delete(r.w.insts, id)
	r.w.mu.Unlock()
	if ok && in.proc != nil {
		in.proc.exit(128+int(syscall.SIGKILL), false)
	}
	return nil
}

// Spec returns the instance's spec (limits as updated), for assertions.
func (r *Runtime) Spec(id string) (runtime.Spec, error) {
	r.w.mu.Lock()
	defer r.w.mu.Unlock()
	in, err := r.w.get(id)
	if err != nil {
		return runtime.Spec{}, err
	}
	s := in.spec
	s.Env = maps(s.Env)
	return s, nil
}
