// Package runtimetest is the contract test every runtime.Runtime passes: the fake
// (runtime/fake), the host runtime (runtime/host) and the containerd runtime
// (runtime/containerd) each run Run from a _test.go file.
package runtimetest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// Commands the contract runs (shell syntax, run through /bin/sh -c).
const (
	// CmdEcho answers every stdin line L with "echo:L".
	CmdEcho = `while read -r l; do echo "echo:$l"; done`
	// CmdExit3 exits with code 3.
	CmdExit3 = `exit 3`
	// CmdEnv prints a variable and the working directory, then exits 0.
	CmdEnv = `echo "env:$SKYPANEL_TEST"; echo "pwd:$(pwd)"`
	// CmdOOM allocates without bound (tail keeps the current, never ending, line in memory).
	CmdOOM = `tail /dev/zero`
)

// Timeout bounds every wait of the contract; it only turns a hang into a failure.
const Timeout = 30 * time.Second

// Env describes the runtime under test.
type Env struct {
	// Image is Spec.Image of every instance ("" when the runtime ignores images).
	Image string
	// BadImage is an image reference that cannot be obtained; "" skips that case.
	BadImage string
	// Dir returns a new data folder for one instance, usable by the instance's user.
	Dir func(t *testing.T) string
	// WorkDir returns the working directory the command sees for data folder dir.
	WorkDir func(dir string) string
	// Reopen returns a new Runtime value on the same state, as a restarted daemon builds it.
	Reopen func(t *testing.T) runtime.Runtime
	// EnforcesMemory is true when memory limits are enforced: Stats report the limit and a
	// process allocating past it is OOM killed.
	EnforcesMemory bool
	// Leftovers lists what is left of instance id after Delete; nil means nothing.
	Leftovers func(t *testing.T, id string) []string
}

// Run runs the contract. newRuntime is called once per case and returns a fresh runtime with its
// environment.
func Run(t *testing.T, newRuntime func(t *testing.T) (runtime.Runtime, Env)) {
	cases := []struct {
		name string
		fn   func(t *testing.T, r runtime.Runtime, env Env)
	}{
		{"Lifecycle", testLifecycle},
		{"ExitCode", testExitCode},
		{"EnvAndWorkDir", testEnvAndWorkDir},
		{"Reattach", testReattach},
		{"StatsAndUpdate", testStatsAndUpdate},
		{"UpdateWhileCreated", testUpdateWhileCreated},
		{"NotFoundAndNotRunning", testNotFoundAndNotRunning},
		{"InvalidSpec", testInvalidSpec},
		{"BadImage", testBadImage},
		{"OOM", testOOM},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, env := newRuntime(t)
			c.fn(t, r, env)
		})
	}
}

// NewID returns a unique instance id ("rt" + 8 hex digits).
func NewID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "rt" + hex.EncodeToString(b)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), Timeout)
	t.Cleanup(cancel)
	return c
}

// spec returns a spec for a new instance and registers its deletion.
func spec(t *testing.T, r runtime.Runtime, env Env, command string) runtime.Spec {
	t.Helper()
	s := runtime.Spec{
		ID:      NewID(),
		Image:   env.Image,
		Command: command,
		Env:     map[string]string{"SKYPANEL_TEST": "yes"},
		Dir:     env.Dir(t),
	}
	t.Cleanup(func() { _ = r.Delete(context.Background(), s.ID) })
	return s
}

func mustState(t *testing.T, r runtime.Runtime, id string, want runtime.State) {
	t.Helper()
	got, err := r.State(ctx(t), id)
	if err != nil {
		t.Fatalf("State(%s): %v", id, err)
	}
	if got != want {
		t.Fatalf("State(%s) = %s, want %s", id, got, want)
	}
}

func mustErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

// Lines reads a console's output line by line in the background.
type Lines struct {
	ch  chan string
	eof chan struct{}
}

// ReadLines starts reading r; lines longer than 1 MiB are cut.
func ReadLines(r io.Reader) *Lines {
	l := &Lines{ch: make(chan string, 1024), eof: make(chan struct{})}
	go func() {
		defer close(l.eof)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			l.ch <- sc.Text()
		}
	}()
	return l
}

// Expect waits for a line equal to want, skipping others.
func (l *Lines) Expect(t *testing.T, want string) {
	t.Helper()
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	var seen []string
	for {
		select {
		case line := <-l.ch:
			if line == want {
				return
			}
			seen = append(seen, line)
		case <-l.eof:
			select {
			case line := <-l.ch:
				if line == want {
					return
				}
				seen = append(seen, line)
				continue
			default:
			}
			t.Fatalf("output ended without %q; saw %q", want, seen)
		case <-timer.C:
			t.Fatalf("no %q within %s; saw %q", want, Timeout, seen)
		}
	}
}

// ExpectEOF waits until the output ends.
func (l *Lines) ExpectEOF(t *testing.T) {
	t.Helper()
	select {
	case <-l.eof:
	case <-time.After(Timeout):
		t.Fatalf("output did not end within %s", Timeout)
	}
}

func send(t *testing.T, c runtime.Console, line string) {
	t.Helper()
	if _, err := io.WriteString(c.Stdin(), line+"\n"); err != nil {
		t.Fatalf("write stdin: %v", err)
	}
}

// WaitExit waits for the exit status on ch.
func WaitExit(t *testing.T, ch <-chan runtime.ExitStatus) runtime.ExitStatus {
	t.Helper()
	select {
	case st, ok := <-ch:
		if !ok {
			t.Fatal("wait channel closed without a status")
		}
		return st
	case <-time.After(Timeout):
		t.Fatalf("process did not exit within %s", Timeout)
	}
	return runtime.ExitStatus{}
}

func mustWait(t *testing.T, r runtime.Runtime, id string) <-chan runtime.ExitStatus {
	t.Helper()
	ch, err := r.Wait(ctx(t), id)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	return ch
}

func mustStart(t *testing.T, r runtime.Runtime, id string) (runtime.Console, *Lines) {
	t.Helper()
	c, err := r.Start(ctx(t), id)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, ReadLines(c.Output())
}

func checkGone(t *testing.T, r runtime.Runtime, env Env, id string) {
	t.Helper()
	mustState(t, r, id, runtime.StateAbsent)
	if env.Leftovers != nil {
		if left := env.Leftovers(t, id); len(left) > 0 {
			t.Fatalf("left behind for %s: %s", id, strings.Join(left, ", "))
		}
	}
}

func exitCode(t *testing.T, st runtime.ExitStatus, want int) {
	t.Helper()
	if st.Code != want || st.OOMKilled {
		t.Fatalf("exit status %+v, want code %d without OOM", st, want)
	}
	if st.At.IsZero() {
		t.Fatalf("exit status %+v has no time", st)
	}
}
