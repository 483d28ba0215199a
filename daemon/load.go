package daemon

import (
	"context"
	"errors"
	"fmt"

	"github.com/skypanel/skypanel/runtime"
)

// Load reads every server on disk and reconciles it with its runtime. Call it once after New.
//
//   - A running instance is re-attached (console flowing, exit watched again); nothing is
//     restarted.
//   - A server recorded as running whose process is gone died while the daemon
//     was down: it is reported crashed with a console line and, only when its definition has
//     AutoRestart, restarted through the normal crash policy (so the crash-loop guard, with the
//     persisted time of the previous crash, applies). Without AutoRestart it stays crashed.
//     A suspended one becomes stopped (its stop was wanted) and is never restarted.
//   - A suspended server found running (its stop did not finish before the daemon stopped) is
//     re-attached and then stopped (the normal stop, in the background).
//   - Recorded stopping or starting becomes stopped (the stop was wanted; the start never
//     completed); recorded installing becomes install_failed (the installation was
//     interrupted); other states are kept.
//   - An absent instance is recreated from the definition (a failure is reported in the
//     status message; the next Start tries again).
//   - A standard server without its own uid (created before uids were per server) gets one
//     when Options.StandardUIDs is set and it is not running (see migrateUID).
//
// A server whose environment has no runtime on this node is loaded as stopped, with a message
// saying so. Load returns the errors of the servers it could not read or reconcile, joined; the
// others are loaded.
func (m *Manager) Load(ctx context.Context) error {
	ids, err := m.st.ids()
	if err != nil {
		return err
	}
	defs := make(map[string]Definition, len(ids)) // read once: for seedUIDs and loadOne
	readErrs := map[string]error{}
	for _, id := range ids {
		if def, err := m.st.readDefinition(id); err != nil {
			readErrs[id] = err
		} else {
			defs[id] = def
		}
	}
	defer m.seedUIDs(defs)() // uids of servers not loaded yet are taken too
	var errs []error
	for _, id := range ids {
		err := readErrs[id]
		if err == nil {
			err = m.loadOne(ctx, id, defs[id])
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("load server %q: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// loadOne loads server id from its definition def (read by Load).
func (m *Manager) loadOne(ctx context.Context, id string, def Definition) error {
	if def.ID != id {
		return fmt.Errorf("%w: id: %q in the folder of %q", ErrInvalidDefinition, def.ID, id)
	}
	if err := m.migrateUID(ctx, &def); err != nil {
		return err
	}
	rec, err := m.st.readRecord(id)
	if err != nil {
		return err
	}
	m.mu.Lock()
	loaded := m.servers[id] != nil
	m.mu.Unlock()
	if loaded {
		return nil // already loaded: its console log is open
	}
	s := m.newServer(def, rec)
	m.openConsole(s) // the history comes first: reconcile's lines follow it
	m.mu.Lock()
	switch {
	case m.closed:
		m.mu.Unlock()
		s.ring.closeLog()
		return ErrClosed
	case m.servers[id] != nil:
		m.mu.Unlock()
		s.ring.closeLog()
		return nil // already loaded
	}
	m.servers[id] = s
	m.mu.Unlock()
	if err := m.lock(ctx, s); err != nil {
		return err
	}
	defer s.unlock()
	return m.reconcile(ctx, s, rec)
}

// reconcile brings a freshly loaded server in line with its runtime (power lock held).
func (m *Manager) reconcile(ctx context.Context, s *server, rec record) error {
	if s.rt == nil {
		s.mu.Lock()
		m.setState(s, stoppedLike(rec.State), fmt.Sprintf("environment %q is not available on this node", s.def.Environment))
		s.mu.Unlock()
		return nil
	}
	// An install that was running when the daemon stopped is over (install_failed): remove its
	// temporary instance so its command does not go on behind the server's back.
	if err := s.rt.Delete(ctx, s.id+InstallInstanceSuffix); err != nil {
		return fmt.Errorf("delete leftover install instance: %w", err)
	}
	state, err := s.rt.State(ctx, s.id)
	if err != nil {
		return fmt.Errorf("instance state: %w", err)
	}
	if state == runtime.StateRunning {
		if err := m.reattach(ctx, s); err != nil {
			return err
		}
		if s.checkSuspended() != nil { // runs once Load releases the power lock
			m.spawn(func() { m.stopSuspended(s) })
		}
		return nil
	}
	s.mu.Lock()
	switch {
	case rec.State == StateRunning && s.def.Suspended:
		s.say("the server stopped while the daemon was not running; it is suspended: not restarted")
		m.setState(s, StateStopped, "")
		s.mu.Unlock()
	case rec.State == StateRunning:
		s.say("the server stopped while the daemon was not running")
		restart := m.crashLocked(s, "exit code unknown")
		s.mu.Unlock()
		if restart { // runs once Load releases the power lock
			m.spawn(func() { m.autoRestart(s) })
		}
	default:
		m.setState(s, stoppedLike(rec.State), rec.Message)
		s.mu.Unlock()
	}
	if state == runtime.StateAbsent {
		return m.recreate(ctx, s)
	}
	return nil
}

// stoppedLike maps a recorded state to what it means when no process runs.
func stoppedLike(st State) State {
	switch st {
	case StateCrashed, StateInstallFailed, StateStopped:
		return st
	case StateInstalling:
		return StateInstallFailed
	default:
		return StateStopped
	}
}

// reattach picks up a running process after a daemon restart (power lock held).
func (m *Manager) reattach(ctx context.Context, s *server) error {
	con, err := s.rt.Attach(ctx, s.id)
	if err != nil {
		return fmt.Errorf("attach: %w", err)
	}
	exitCh, err := s.rt.Wait(m.ctx, s.id)
	if err != nil {
		_ = con.Close()
		return fmt.Errorf("wait: %w", err)
	}
	s.say("daemon restarted: console re-attached")
	m.adopt(s, con, exitCh, nil, "") // started before: ready, whatever its console says next
	return nil
}

// recreate creates the missing runtime instance of a loaded, not running server.
func (m *Manager) recreate(ctx context.Context, s *server) error {
	s.mu.Lock()
	def := s.def.Clone()
	s.mu.Unlock()
	spec, err := def.Spec(m.st.volumeDir(s.id))
	if err == nil {
		err = m.syncInstance(ctx, s, spec)
	}
	if err != nil {
		s.mu.Lock()
		s.rec.Message = "recreating the runtime instance failed: " + err.Error()
		m.saveRecord(s)
		s.mu.Unlock()
		return err
	}
	return nil
}
