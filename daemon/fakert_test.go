package daemon

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// fakeRT is an in-memory runtime.Runtime for the daemon's unit tests (runtime/fake did not
// exist yet when these were written). The instance's Command selects what the fake process does:
//
//	echo         echoes stdin lines; "stop" makes it print "bye" and exit 0; SIGTERM → 143
//	             (any other signal but SIGKILL: 128+signal)
//	ignore-stop  like echo but ignores "stop"
//	ignore-term  like ignore-stop and also ignores SIGTERM (only SIGKILL ends it)
//	crash:N      prints "boom" and exits with code N
//	oom          prints "eating memory" and is OOM-killed (137)
//	print:TEXT   prints TEXT (Go-quoted escapes allowed) then behaves like echo
//
// Every call is recorded in calls as "<Method> <id> [detail]"; stdin lines as "stdin <id> <line>",
// exits as "exit <id> <code>". overlap is set when two lifecycle calls for one id overlap.
type fakeRT struct {
	env string

	mu        sync.Mutex
	instances map[string]*fakeInst
	calls     []string
	inflight  map[string]int
	overlap   bool
	createErr error
	startErr  error
	stats     runtime.Stats
	// startDelay widens the window in which an interleaved call would be caught.
	startDelay time.Duration
	// afterCreate runs after a successful Create (to break what the daemon does next).
	afterCreate func(runtime.Spec)
	// beforeStart runs at the beginning of every Start (to look at the server's files).
	beforeStart func(runtime.Spec)
}

type fakeInst struct {
	spec   runtime.Spec
	limits runtime.Limits
	proc   *fakeProc
}

func newFakeRT(env string) *fakeRT {
	return &fakeRT{env: env, instances: map[string]*fakeInst{}, inflight: map[string]int{}}
}

func (f *fakeRT) record(format string, args ...any) {
	f.mu.Lock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

// enter/leave detect overlapping lifecycle calls for one id.
func (f *fakeRT) enter(id string) {
	f.mu.Lock()
	if f.inflight[id] > 0 {
		f.overlap = true
	}
	f.inflight[id]++
	f.mu.Unlock()
}

func (f *fakeRT) leave(id string) {
	f.mu.Lock()
	f.inflight[id]--
	f.mu.Unlock()
}

// Calls returns the recorded calls that start with one of the prefixes (all when none).
func (f *fakeRT) Calls(prefixes ...string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if len(prefixes) == 0 || slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(c, p) }) {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeRT) count(prefix string) int { return len(f.Calls(prefix)) }

func (f *fakeRT) Environment() string                 { return f.env }
func (f *fakeRT) Available(ctx context.Context) error { return nil }

func (f *fakeRT) Create(ctx context.Context, spec runtime.Spec) error {
	f.enter(spec.ID)
	defer f.leave(spec.ID)
	f.record("Create %s %s", spec.ID, spec.Command)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.createErr != nil {
		return f.createErr
	}
	if _, ok := f.instances[spec.ID]; ok {
		return fmt.Errorf("fake %q: %w", spec.ID, runtime.ErrExists)
	}
	f.instances[spec.ID] = &fakeInst{spec: spec, limits: spec.Limits}
	if f.afterCreate != nil {
		f.afterCreate(spec)
	}
	return nil
}

func (f *fakeRT) inst(id string) (*fakeInst, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	in, ok := f.instances[id]
	if !ok {
		return nil, fmt.Errorf("fake %q: %w", id, runtime.ErrNotFound)
	}
	return in, nil
}

func (f *fakeRT) Start(ctx context.Context, id string) (runtime.Console, error) {
	f.enter(id)
	defer f.leave(id)
	f.record("Start %s", id)
	defer f.record("Started %s", id)
	in, err := f.inst(id)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	startErr, delay, before := f.startErr, f.startDelay, f.beforeStart
	f.mu.Unlock()
	if before != nil {
		before(in.spec)
	}
	if delay > 0 {
		time.Sleep(delay)
	}
	if startErr != nil {
		return nil, startErr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if in.proc != nil && !in.proc.exited() {
		return nil, fmt.Errorf("fake %q: %w", id, runtime.ErrRunning)
	}
	p := newFakeProc(f, id, in.spec.Command)
	in.proc = p
	con := p.attach()
	go p.run()
	return con, nil
}

func (f *fakeRT) running(id string) (*fakeProc, error) {
	in, err := f.inst(id)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if in.proc == nil || in.proc.exited() {
		return nil, fmt.Errorf("fake %q: %w", id, runtime.ErrNotRunning)
	}
	return in.proc, nil
}

func (f *fakeRT) Attach(ctx context.Context, id string) (runtime.Console, error) {
	f.record("Attach %s", id)
	p, err := f.running(id)
	if err != nil {
		return nil, err
	}
	return p.attach(), nil
}

func (f *fakeRT) Wait(ctx context.Context, id string) (<-chan runtime.ExitStatus, error) {
	f.record("Wait %s", id)
	in, err := f.inst(id)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	p := in.proc
	f.mu.Unlock()
	if p == nil {
		return nil, fmt.Errorf("fake %q: %w", id, runtime.ErrNotRunning)
	}
	ch := make(chan runtime.ExitStatus, 1)
	p.mu.Lock()
	if p.status != nil {
		ch <- *p.status
	} else {
		p.waiters = append(p.waiters, ch)
	}
	p.mu.Unlock()
	return ch, nil
}

func (f *fakeRT) Signal(ctx context.Context, id string, sig syscall.Signal) error {
	f.record("Signal %s %s", id, sigName(sig))
	p, err := f.running(id)
	if err != nil {
		return err
	}
	select {
	case p.sig <- sig:
	default: // a signal is already pending
	}
	return nil
}

func sigName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGTERM:
		return "TERM"
	case syscall.SIGKILL:
		return "KILL"
	case syscall.SIGINT:
		return "INT"
	case syscall.SIGQUIT:
		return "QUIT"
	case syscall.SIGHUP:
		return "HUP"
	}
	return strconv.Itoa(int(sig))
}

func (f *fakeRT) State(ctx context.Context, id string) (runtime.State, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	in, ok := f.instances[id]
	switch {
	case !ok:
		return runtime.StateAbsent, nil
	case in.proc != nil && !in.proc.exited():
		return runtime.StateRunning, nil
	}
	return runtime.StateCreated, nil
}

func (f *fakeRT) Stats(ctx context.Context, id string) (runtime.Stats, error) {
	if _, err := f.running(id); err != nil {
		return runtime.Stats{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stats, nil
}

func (f *fakeRT) Update(ctx context.Context, id string, l runtime.Limits) error {
	f.enter(id)
	defer f.leave(id)
	f.record("Update %s mem=%d cpu=%d", id, l.MemoryMiB, l.CPUPercent)
	in, err := f.inst(id)
	if err != nil {
		return err
	}
	f.mu.Lock()
	in.limits = l
	f.mu.Unlock()
	return nil
}

func (f *fakeRT) Delete(ctx context.Context, id string) error {
	f.enter(id)
	defer f.leave(id)
	f.record("Delete %s", id)
	f.mu.Lock()
	in, ok := f.instances[id]
	delete(f.instances, id)
	f.mu.Unlock()
	if ok && in.proc != nil && !in.proc.exited() {
		in.proc.sig <- syscall.SIGKILL
		<-in.proc.done
	}
	return nil
}

// crashNow ends id's process with code, as if it died on its own (e.g. while no daemon ran).
func (f *fakeRT) crashNow(id string, code int) {
	p, err := f.running(id)
	if err != nil {
		panic(err)
	}
	select {
	case p.crash <- code:
	default:
	}
	<-p.done
}

var _ runtime.Runtime = (*fakeRT)(nil)
