package cgroup

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// Bounds of Kill: it gives up (with ErrNotEmpty) when processes remain after killRounds rounds,
// each waiting up to about killPause for the killed processes to leave the group.
const (
	killRounds = 200
	killPause  = 5 * time.Millisecond
)

// ErrNotEmpty means processes were still in the group when Kill gave up.
var ErrNotEmpty = errors.New("cgroup still has processes")

// Kill ends every process of the group, including ones that left the process group or the
// session (a double-forked, setsid'ed grandchild), and returns once the group is empty.
//
// v2: cgroup.kill (kernel >= 5.14) kills the whole subtree atomically; without it, the v1 way.
// v1: the group is frozen (freezer controller), so nothing in it can fork while cgroup.procs is
// read and every process gets SIGKILL, then thawed so the signals are delivered; rounds repeat
// until cgroup.procs is empty. Without a freezer the rounds alone race a forking process, which
// the pids limit bounds.
func (g *Group) Kill() error {
	if g.h.v2 {
		if err := writeFile(g.dir(""), "cgroup.kill", "1"); err == nil {
			for range killRounds {
				if err := g.waitEmpty(); !errors.Is(err, ErrNotEmpty) {
					return err
				}
			}
			return fmt.Errorf("%w: %s", ErrNotEmpty, g.path)
		}
	}
	for range killRounds {
		pids, err := g.Pids()
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			return nil
		}
		thaw := g.freeze()
		if pids, err = g.Pids(); err == nil { // read again: frozen, nothing forks now
			for _, p := range pids {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
		}
		thaw()
		if g.waitEmpty() == nil {
			return nil
		}
	}
	return fmt.Errorf("%w: %s", ErrNotEmpty, g.path)
}

// waitEmpty waits a little (from 50µs, doubling, to about killPause in all) until the killed
// processes have left the group.
func (g *Group) waitEmpty() error {
	for d, waited := 50*time.Microsecond, time.Duration(0); ; d *= 2 {
		pids, err := g.Pids()
		if errors.Is(err, os.ErrNotExist) || err == nil && len(pids) == 0 {
			return nil
		}
		if err != nil {
			return err
		}
		if waited >= killPause {
			return fmt.Errorf("%w: %s", ErrNotEmpty, g.path)
		}
		time.Sleep(d)
		waited += d
	}
}

// freeze freezes the group (v1 freezer) and returns the function that thaws it; both do
// nothing without a freezer.
func (g *Group) freeze() (thaw func()) {
	d := g.dir("freezer")
	if g.h.v2 || d == "" {
		return func() {}
	}
	if err := writeFile(d, "freezer.state", "FROZEN"); err != nil {
		return func() {}
	}
	for range killRounds { // FREEZING until every task stopped
		if s, err := readFile(d, "freezer.state"); err != nil || s == "FROZEN" {
			break
		}
		time.Sleep(time.Millisecond)
	}
	return func() { _ = writeFile(d, "freezer.state", "THAWED") }
}
