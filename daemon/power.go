package daemon

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// Start starts a stopped or crashed server and returns once its process runs; starting a
// running server does nothing (retries by bots and billing systems are safe). A changed
// definition is applied to the runtime instance first (see Update). A suspended server is
// refused with ErrSuspended.
func (m *Manager) Start(ctx context.Context, id string) error {
	s, err := m.locked(ctx, id)
	if err != nil {
		return err
	}
	defer s.unlock()
	return m.startLocked(ctx, s)
}

// Stop stops a running (or starting) server: its stop command on stdin (when it has one), then
// SIGTERM after the stop timeout; without a stop command its stop signal (Definition.StopSignal,
// SIGTERM by default); then SIGKILL. It returns once the process has exited. ctx bounds only the
// wait for a previous power action: once begun, a stop runs to its end. Stopping a stopped
// server does nothing; stopping a crashed one clears the crash (→ stopped).
func (m *Manager) Stop(ctx context.Context, id string) error {
	s, err := m.locked(ctx, id)
	if err != nil {
		return err
	}
	defer s.unlock()
	return m.stopLocked(s)
}

// Restart stops the server (when running) and starts it, as one power action. A suspended
// server is refused with ErrSuspended (and not stopped).
func (m *Manager) Restart(ctx context.Context, id string) error {
	s, err := m.locked(ctx, id)
	if err != nil {
		return err
	}
	defer s.unlock()
	if err := s.checkSuspended(); err != nil {
		return err
	}
	if err := m.stopLocked(s); err != nil {
		return err
	}
	return m.startLocked(ctx, s)
}

// Kill sends SIGKILL to the server's process now and waits for it to exit. It does not queue
// behind a stop in progress: it sends SIGKILL at once and returns, and that stop returns when
// the process is gone. During an installation it cancels the installation (which then ends in
// install_failed) and returns at once.
func (m *Manager) Kill(ctx context.Context, id string) error {
	s, err := m.get(id)
	if err != nil {
		return err
	}
	s.mu.Lock()
	switch st := s.rec.State; {
	case st == StateInstalling && s.installCancel != nil:
		cancel := s.installCancel
		s.mu.Unlock()
		cancel()
		return nil
	case st == StateStopping && s.proc != nil:
		s.proc.stopRequested = true
		s.say("killing server (SIGKILL)")
		err := s.rt.Signal(ctx, id, syscall.SIGKILL)
		s.mu.Unlock()
		return ignoreNotRunning(err)
	}
	s.mu.Unlock()
	if err := m.lock(ctx, s); err != nil {
		return err
	}
	defer s.unlock()
	return m.killLocked(ctx, s, "kill requested")
}

// SendCommand writes cmd and a newline to the server's stdin, waiting at most until ctx ends
// for the write. ErrNotRunning when no process runs. Sending the server's own stop command
// marks the next exit of this process as requested: a stop, not a crash.
func (m *Manager) SendCommand(ctx context.Context, id, cmd string) error {
	s, err := m.get(id)
	if err != nil {
		return err
	}
	s.mu.Lock()
	p, st := s.proc, s.rec.State
	if p != nil && s.def.StopCommand != "" && strings.TrimSpace(cmd) == s.def.StopCommand {
		p.stopRequested = true
	}
	s.mu.Unlock()
	if p == nil || (st != StateRunning && st != StateStopping) {
		return fmt.Errorf("%w: server %q is %s", ErrNotRunning, id, st)
	}
	return m.writeStdin(ctx, p, []byte(strings.TrimRight(cmd, "\r\n")+"\n"))
}

// CheckSuspended returns ErrSuspended when server id is suspended (for the callers that check
// a start or restart before running it in the background).
func (m *Manager) CheckSuspended(id string) error {
	s, err := m.get(id)
	if err != nil {
		return err
	}
	return s.checkSuspended()
}

// checkSuspended returns ErrSuspended when s's definition is suspended.
func (s *server) checkSuspended() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.def.Suspended {
		return fmt.Errorf("%w: server %q cannot be started", ErrSuspended, s.id)
	}
	return nil
}

// startLocked starts s (power lock held); a suspended server is refused.
func (m *Manager) startLocked(ctx context.Context, s *server) error {
	if err := s.checkSuspended(); err != nil {
		return err
	}
	if err := m.diskAllowsStart(ctx, s); err != nil {
		return err
	}
	s.mu.Lock()
	prev := s.rec.State
	if prev == StateRunning { // idempotent: already where the caller wants it
		s.mu.Unlock()
		return nil
	}
	if err := checkStart(prev); err != nil {
		s.mu.Unlock()
		return err
	}
	if s.rt == nil {
		s.mu.Unlock()
		return fmt.Errorf("%w: environment %q is not available on this node", ErrInvalidState, s.def.Environment)
	}
	if err := refusalOf(s.rt); err != nil { // e.g. standard servers turned off
		s.mu.Unlock()
		return fmt.Errorf("%w: %w", ErrInvalidState, err)
	}
	def := s.def.Clone()
	s.say("starting server")
	m.setState(s, StateStarting, "")
	s.mu.Unlock()

	err := m.launch(ctx, s, def)
	if err != nil {
		s.mu.Lock()
		back := StateStopped
		if prev == StateCrashed {
			back = StateCrashed
		}
		s.say("failed to start: %v", err)
		m.setState(s, back, "start failed: "+err.Error())
		s.mu.Unlock()
		return fmt.Errorf("start %q: %w", s.id, err)
	}
	return nil
}

// launch syncs the instance, starts the process and arms the watcher.
func (m *Manager) launch(ctx context.Context, s *server, def Definition) error {
	vdir := m.st.volumeDir(s.id)
	if created, err := mkdirNew(vdir, volumePermOf(def)); err != nil {
		return fmt.Errorf("server folder: %w", err)
	} else if created {
		if err := chownVolume(s.rt, def, vdir); err != nil {
			return err
		}
	}
	spec, err := def.Spec(vdir)
	if err != nil {
		return err
	}
	ready, err := compileReady(def.Ready)
	if err != nil {
		return err
	}
	if err := m.syncInstance(ctx, s, spec); err != nil {
		return err
	}
	if err := applyConfigFiles(def, vdir); err != nil {
		return err
	}
	// The process outlives the request that started it.
	con, err := s.rt.Start(context.WithoutCancel(ctx), s.id)
	if err != nil {
		return err
	}
	exitCh, err := s.rt.Wait(m.ctx, s.id)
	if err != nil {
		_ = con.Close()
		_ = s.rt.Signal(context.WithoutCancel(ctx), s.id, syscall.SIGKILL)
		return fmt.Errorf("wait: %w", err)
	}
	m.adopt(s, con, exitCh, ready, "")
	return nil
}

// adopt records a running process and watches it. With a ready matcher the server reports
// starting until a console line matches (nil: running at once).
func (m *Manager) adopt(s *server, con runtime.Console, exitCh <-chan runtime.ExitStatus, ready *readyMatcher, msg string) {
	p := newProc(con, m.opts.CommandQueue)
	p.ready, p.starting = ready, ready != nil
	s.mu.Lock()
	s.proc = p
	m.setState(s, StateRunning, msg)
	s.mu.Unlock()
	if !m.spawn(func() { m.watch(s, p, exitCh) }) {
		_ = con.Close() // manager closed meanwhile: detach, leave the process running
	}
}

// processToEnd decides whether stop/kill must end a process (s.mu held): stopped and failed
// installs have none (nothing to do), a crashed server just becomes stopped, running and
// stopping ones (a previous stop gave up: try again) do; anything else is an invalid state.
func (m *Manager) processToEnd(s *server) (bool, error) {
	switch st := s.rec.State; st {
	case StateStopped, StateInstallFailed:
		return false, nil
	case StateCrashed:
		m.setState(s, StateStopped, "")
		return false, nil
	case StateRunning, StateStopping:
		return true, nil
	default:
		return false, invalid(st)
	}
}

// stopLocked stops s (power lock held).
func (m *Manager) stopLocked(s *server) error {
	run, err := m.beginStop(s)
	if run == nil {
		return err
	}
	return run()
}

// beginStop begins a stop of s (power lock held): the coming exit is marked as requested and s
// is stopping. The returned func performs the stop (stop command, SIGTERM, SIGKILL) and returns
// once the process has exited; it is nil when no process is to be ended (err says why not when
// that is refused).
func (m *Manager) beginStop(s *server) (func() error, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if run, err := m.processToEnd(s); !run {
		return nil, err
	}
	p := s.proc
	p.stopRequested = true
	cmd := s.def.StopCommand
	sig, sigName := s.def.stopSignal()
	timeout := time.Duration(s.def.StopTimeout)
	if timeout <= 0 {
		timeout = m.opts.StopTimeout
	}
	m.setState(s, StateStopping, "")
	return func() error { return m.escalate(s, p, cmd, stopSig{sig, sigName}, timeout) }, nil
}

// stopSig is the signal that stops a server without a stop command, and its name.
type stopSig struct {
	sig  syscall.Signal
	name string
}

// escalate: the stop command (then SIGTERM) or else the stop signal, then SIGKILL, each after
// its timeout.
func (m *Manager) escalate(s *server, p *proc, cmd string, stop stopSig, timeout time.Duration) error {
	termWait := timeout
	if cmd != "" {
		s.say("stopping server: sending %q", cmd)
		wctx, cancel := context.WithTimeout(m.ctx, timeout)
		err := m.writeStdin(wctx, p, []byte(cmd+"\n"))
		cancel()
		if err != nil && !errors.Is(err, ErrNotRunning) {
			m.log.Warn("write stop command", "server", s.id, "err", err)
		}
		if done, err := m.waitExit(p, timeout); done || err != nil {
			return err
		}
		s.say("server did not stop within %s, sending SIGTERM", timeout)
		termWait = m.opts.TermTimeout
		stop = stopSig{syscall.SIGTERM, "SIGTERM"}
	} else {
		s.say("stopping server: sending %s", stop.name)
	}
	if done, err := m.signalWait(s, p, stop.sig, termWait); done || err != nil {
		return err
	}
	s.say("server did not stop within %s of %s, sending SIGKILL", termWait, stop.name)
	if done, err := m.signalWait(s, p, syscall.SIGKILL, m.opts.KillTimeout); done || err != nil {
		return err
	}
	return fmt.Errorf("server %q did not exit within %s of SIGKILL", s.id, m.opts.KillTimeout)
}

// killLocked sends SIGKILL and waits for the exit (power lock held).
func (m *Manager) killLocked(ctx context.Context, s *server, reason string) error {
	s.mu.Lock()
	if run, err := m.processToEnd(s); !run {
		s.mu.Unlock()
		return err
	}
	p := s.proc
	p.stopRequested = true
	m.setState(s, StateStopping, "")
	s.say("killing server (%s)", reason)
	s.mu.Unlock()
	if done, err := m.signalWait(s, p, syscall.SIGKILL, m.opts.KillTimeout); done || err != nil {
		return err
	}
	return fmt.Errorf("server %q did not exit within %s of SIGKILL", s.id, m.opts.KillTimeout)
}

// signalWait signals the process and waits up to d for its exit.
func (m *Manager) signalWait(s *server, p *proc, sig syscall.Signal, d time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(m.ctx, cleanupTimeout)
	err := ignoreNotRunning(s.rt.Signal(ctx, s.id, sig))
	cancel()
	if err != nil {
		m.log.Warn("signal", "server", s.id, "signal", sig, "err", err)
	}
	return m.waitExit(p, d)
}

// waitExit waits up to d for p to exit, then for its exit to be handled. ErrClosed when the
// manager closes first.
func (m *Manager) waitExit(p *proc, d time.Duration) (bool, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.exited:
	case <-t.C:
		return false, nil
	case <-m.ctx.Done():
		return false, ErrClosed
	}
	select {
	case <-p.done:
		return true, nil
	case <-m.ctx.Done():
		return false, ErrClosed
	}
}

func ignoreNotRunning(err error) error {
	if errors.Is(err, runtime.ErrNotRunning) {
		return nil
	}
	return err
}
