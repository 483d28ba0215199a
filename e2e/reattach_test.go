package e2e

import (
	"slices"
	"testing"
)

// TestKill9Reattach: with two servers running (one per environment when containerd is
// available, else two standard ones), `kill -9` of `skypanel serve` leaves them running; a
// new `skypanel serve` on the same data folder reports them running with the same processes,
// restarts nothing, and their consoles are attached again.
func TestKill9Reattach(t *testing.T) {
	t.Parallel()
	p := startPanel(t, containerdFlag())
	std, docker := environments[0], environments[1]
	envs := []environment{std, std}
	if suite.sock != "" {
		envs[1] = docker
	} else {
		t.Log("docker environment: " + suite.noDocker + "; using two standard servers")
	}
	servers := make([]*server, len(envs))
	pids := make([]int, len(envs))
	for i, e := range envs {
		s := p.create(t, serverID("reattach"+string(rune('a'+i)), e), e, p.body(e, echoLoop))
		s.start(t)
		s.echo(t, "before")
		servers[i], pids[i] = s, s.pidOf(t)
	}

	p.kill9(t)
	for i, s := range servers {
		if !alive(pids[i]) {
			t.Fatalf("server %s (process %d) died with skypanel serve", s.id, pids[i])
		}
	}
	p.launch(t)

	for i, s := range servers {
		s.c = p.client(t) // new token from the new process
		st := s.status(t)
		if st.State != stateRunning || !st.Running {
			t.Errorf("%s after the restart: status %+v, want running", s.id, st)
		}
		if pid := s.pidOf(t); pid != pids[i] || !alive(pid) {
			t.Errorf("%s after the restart: process %d (alive %v), want the same process %d", s.id, pid, alive(pid), pids[i])
		}
		s.cursor, s.lines, s.waited = 0, nil, 0 // the whole console, as the new daemon has it
		s.echo(t, "after")
		if !slices.Contains(s.lines, lineReattach) {
			t.Errorf("%s: console %q has no %q", s.id, s.lines, lineReattach)
		}
		if !slices.Contains(s.lines, "echo:before") {
			t.Errorf("%s: console %q lost its history (no echo:before)", s.id, s.lines)
		}
		if n := countOf(s.lines, lineStarting); n != 1 {
			t.Errorf("%s: console %q has %d %q lines (want 1: the server was not started again)", s.id, s.lines, n, lineStarting)
		}
		s.remove(t, pids[i])
	}
}

// countOf counts the lines equal to line.
func countOf(lines []string, line string) int {
	n := 0
	for _, l := range lines {
		if l == line {
			n++
		}
	}
	return n
}
