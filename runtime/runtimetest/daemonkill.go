package runtimetest

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// Environment variables passed to the child "daemon" of KillDaemon.
const (
	envChild     = "SKYPANEL_RUNTIMETEST_CHILD"
	envChildSpec = "SKYPANEL_RUNTIMETEST_SPEC"
	envChildDir  = "SKYPANEL_RUNTIMETEST_STATE"
	readyLine    = "SKYPANEL-CHILD-READY"
)

// KillDaemon checks the promise of Attach for real: the current test binary is started again
// as a child "daemon" that creates and starts newSpec(t) (command CmdEcho; newSpec runs in the
// parent only, so its temporary folders are cleaned up) with newRuntime(stateDir)
// and talks to it; the child is then killed with SIGKILL, and a new runtime on the same state
// folder must find the instance running, attach, write stdin, read the echo, and stop it.
//
// The calling test must call KillDaemon first thing (the child is killed, so anything it set up
// before, like t.TempDir folders, would leak): in the child it runs the child's part and never
// returns.
func KillDaemon(t *testing.T, newRuntime func(t *testing.T, stateDir string) runtime.Runtime, newSpec func(t *testing.T) runtime.Spec) {
	if os.Getenv(envChild) == t.Name() {
		killDaemonChild(t, newRuntime)
		return
	}
	stateDir := t.TempDir()
	spec := newSpec(t)
	spec.Command = CmdEcho
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), envChild+"="+t.Name(), envChildSpec+"="+string(b), envChildDir+"="+stateDir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitReady(t, out)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	r := newRuntime(t, stateDir)
	t.Cleanup(func() { _ = r.Delete(context.Background(), spec.ID) })
	mustState(t, r, spec.ID, runtime.StateRunning)
	c, err := r.Attach(ctx(t), spec.ID)
	if err != nil {
		t.Fatalf("Attach after the daemon was killed: %v", err)
	}
	defer c.Close()
	lines := ReadLines(c.Output())
	send(t, c, "after")
	lines.Expect(t, "echo:after")
	ch := mustWait(t, r, spec.ID)
	if err := r.Signal(ctx(t), spec.ID, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exitCode(t, WaitExit(t, ch), 128+int(syscall.SIGTERM))
	if err := r.Delete(ctx(t), spec.ID); err != nil {
		t.Fatal(err)
	}
}

func waitReady(t *testing.T, out interface{ Read([]byte) (int, error) }) {
	t.Helper()
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == readyLine {
				ready <- true
				return
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("child daemon ended before it was ready")
		}
	case <-time.After(Timeout):
		t.Fatal("child daemon not ready in time")
	}
}

// killDaemonChild is the child's part: start the instance, prove it answers, report, hang.
func killDaemonChild(t *testing.T, newRuntime func(t *testing.T, stateDir string) runtime.Runtime) {
	var spec runtime.Spec
	if err := json.Unmarshal([]byte(os.Getenv(envChildSpec)), &spec); err != nil {
		t.Fatal(err)
	}
	r := newRuntime(t, os.Getenv(envChildDir))
	if err := r.Create(ctx(t), spec); err != nil {
		t.Fatal(err)
	}
	c, err := r.Start(ctx(t), spec.ID)
	if err != nil {
		t.Fatal(err)
	}
	lines := ReadLines(c.Output())
	send(t, c, "before")
	lines.Expect(t, "echo:before")
	os.Stdout.WriteString(readyLine + "\n")
	time.Sleep(time.Hour) // killed by the parent
}
