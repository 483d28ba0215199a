package daemon

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// proc is one running process of a server.
type proc struct {
	con    runtime.Console
	stdin  chan stdinReq
	exited chan struct{} // closed as soon as the runtime reports the exit
	done   chan struct{} // closed once the exit has been handled (state changed)
	// stopRequested (guarded by server.mu): the daemon or the user asked for this exit, so it
	// is a stop and not a crash.
	stopRequested bool
	// starting (guarded by server.mu): no console line has matched the ready patterns yet; the
	// server reports StateStarting (see statusLocked).
	starting bool
	// ready matches the console against the definition's ready patterns (nil: none, or a
	// re-attached process); read by the output pump only.
	ready *readyMatcher
}

type stdinReq struct {
	data []byte
	res  chan error
}

func newProc(con runtime.Console, queue int) *proc {
	return &proc{con: con, stdin: make(chan stdinReq, queue), exited: make(chan struct{}), done: make(chan struct{})}
}

// writeStdin queues data for the process's stdin and waits for the write.
func (m *Manager) writeStdin(ctx context.Context, p *proc, data []byte) error {
	req := stdinReq{data: data, res: make(chan error, 1)}
	select {
	case p.stdin <- req:
	case <-p.done:
		return ErrNotRunning
	case <-ctx.Done():
		return ctx.Err()
	case <-m.ctx.Done():
		return ErrClosed
	}
	select {
	case err := <-req.res:
		if err != nil {
			return fmt.Errorf("write to stdin: %w", err)
		}
		return nil
	case <-p.done:
		return ErrNotRunning
	case <-ctx.Done():
		return ctx.Err()
	case <-m.ctx.Done():
		return ErrClosed
	}
}

// writeLoop performs the stdin writes of p until quit; a write blocked on a full pipe is
// released when the watcher closes the console.
func (p *proc) writeLoop(quit <-chan struct{}) {
	for {
		select {
		case r := <-p.stdin:
			_, err := p.con.Stdin().Write(r.data)
			r.res <- err
		case <-quit:
			return
		}
	}
}

// watch owns everything attached to one process: the output pump, the stdin writer and the
// stats sampler. It handles the exit, or detaches when the manager closes.
func (m *Manager) watch(s *server, p *proc, exitCh <-chan runtime.ExitStatus) {
	quit := make(chan struct{})
	pumpDone := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		defer close(pumpDone)
		if err := scanLines(p.con.Output(), m.opts.MaxLineBytes, m.consoleSink(s, p)); err != nil {
			m.log.Debug("console output ended", "server", s.id, "err", err)
		}
	}()
	go func() {
		defer wg.Done()
		p.writeLoop(quit)
	}()
	go func() {
		defer wg.Done()
		m.statsLoop(s, quit)
	}()

	var status runtime.ExitStatus
	exited := false
	select {
	case st, ok := <-exitCh:
		// A runtime may close the channel when the Wait context (m.ctx) ends: that is a
		// detach, not an exit.
		exited, status = ok || m.ctx.Err() == nil, st
		if !ok {
			status = runtime.ExitStatus{Code: -1, At: m.opts.Clock()}
		}
		if exited {
			close(p.exited)
			m.drain(pumpDone)
		}
	case <-m.ctx.Done():
	}
	close(quit)
	_ = p.con.Close()
	wg.Wait()
	if exited {
		m.handleExit(s, p, status)
	}
}

// drain gives the output pump a moment to read what the process wrote before it exited.
func (m *Manager) drain(pumpDone <-chan struct{}) {
	t := time.NewTimer(m.opts.DrainTimeout)
	defer t.Stop()
	select {
	case <-pumpDone:
	case <-t.C:
	case <-m.ctx.Done():
	}
}

// handleExit applies the crash policy: a requested exit is a stop; any other (or an OOM kill)
// is a crash, restarted automatically when the definition asks for it and the previous crash
// is older than Options.CrashLoopWindow (the crash-loop guard), else held in crashed.
func (m *Manager) handleExit(s *server, p *proc, st runtime.ExitStatus) {
	s.mu.Lock()
	if s.proc != p {
		s.mu.Unlock()
		return
	}
	s.proc = nil
	if p.stopRequested && !st.OOMKilled {
		s.say("server stopped (%s)", describeExit(st))
		m.setState(s, StateStopped, "")
		close(p.done)
		s.mu.Unlock()
		return
	}
	restart := m.crashLocked(s, describeExit(st))
	close(p.done)
	s.mu.Unlock()
	if restart {
		m.spawn(func() { m.autoRestart(s) })
	}
}

// crashLocked records a crash (s.mu held) and reports whether to restart automatically.
func (m *Manager) crashLocked(s *server, reason string) bool {
	s.say("server crashed (%s)", reason)
	now := m.opts.Clock()
	restart := false
	switch {
	case s.def.Suspended:
		if s.def.AutoRestart {
			s.say("not restarting: the server is suspended")
		}
	case s.def.AutoRestart:
		window := m.opts.CrashLoopWindow
		if s.rec.LastCrash.IsZero() || now.Sub(s.rec.LastCrash) > window {
			restart = true
			s.say("restarting automatically (auto-restart is on)")
		} else {
			s.say("not restarting: it crashed again within %s of the previous crash (crash-loop guard); start it manually", window)
		}
	}
	s.rec.LastCrash = now
	m.setState(s, StateCrashed, "crashed: "+reason)
	return restart
}

func describeExit(st runtime.ExitStatus) string {
	switch {
	case st.OOMKilled:
		return "out of memory"
	case st.Code < 0:
		return "exit code unknown"
	default:
		return fmt.Sprintf("exit code %d", st.Code)
	}
}

// autoRestart starts a crashed server unless someone acted on it (or suspended it) meanwhile.
func (m *Manager) autoRestart(s *server) {
	if err := m.lock(m.ctx, s); err != nil {
		return
	}
	defer s.unlock()
	s.mu.Lock()
	st, suspended := s.rec.State, s.def.Suspended
	s.mu.Unlock()
	if st != StateCrashed || suspended {
		return
	}
	if err := m.startLocked(m.ctx, s); err != nil {
		m.log.Warn("auto-restart failed", "server", s.id, "err", err)
	}
}

// statsLoop publishes a stats event every StatsInterval while someone is subscribed.
func (m *Manager) statsLoop(s *server, quit <-chan struct{}) {
	t := time.NewTicker(m.opts.StatsInterval)
	defer t.Stop()
	for {
		select {
		case <-quit:
			return
		case <-t.C:
		}
		if s.hub.count() == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(m.ctx, max(m.opts.StatsInterval, time.Second))
		st, err := s.rt.Stats(ctx, s.id)
		cancel()
		if err != nil {
			continue
		}
		s.mu.Lock()
		st = withLimit(st, s.def)
		s.mu.Unlock()
		s.hub.publish(Event{Kind: EventStats, Stats: st})
	}
}

// withLimit fills MemoryLimit from the definition when the runtime reports none, and with the
// host's memory for a server without a memory limit (all of it is what such a server may use).
func withLimit(st runtime.Stats, def Definition) runtime.Stats {
	switch {
	case st.MemoryLimit != 0:
	case def.Limits.MemoryMiB > 0:
		st.MemoryLimit = uint64(def.Limits.MemoryMiB) << 20
	default:
		st.MemoryLimit = hostMemory()
	}
	return st
}
