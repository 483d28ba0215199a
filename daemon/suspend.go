package daemon

// Suspension (Definition.Suspended): a suspended server is stopped and stays stopped. Start,
// Restart and Install refuse it with ErrSuspended (Stop and Kill work), the crash policy never
// restarts it, Load never restarts it, and an Update that suspends a running server stops it.

// stopSuspendedLocked begins the normal stop of a running suspended server (power lock held)
// and hands the power lock to a manager goroutine that finishes the stop and releases it: when
// it returns the server is stopping (or stopped), and other power actions queue behind the
// stop (Kill still ends it at once). It reports whether the lock was handed over; when not
// (no process to end), the caller still holds it.
func (m *Manager) stopSuspendedLocked(s *server) bool {
	run, err := m.beginStop(s)
	if run == nil {
		if err != nil {
			m.log.Warn("stop of a suspended server", "server", s.id, "err", err)
		}
		return false
	}
	s.say("server suspended: stopping it")
	finish := func() {
		defer s.unlock()
		if err := run(); err != nil {
			m.log.Warn("stop of a suspended server", "server", s.id, "err", err)
		}
	}
	if !m.spawn(finish) {
		finish() // the manager is closing: the stop gives up at once (ErrClosed)
	}
	return true
}

// stopSuspended stops s when it is suspended and a process runs; Load spawns it for a suspended
// server it re-attached to (suspended while its stop could not run), once the power lock is free.
func (m *Manager) stopSuspended(s *server) {
	if err := m.lock(m.ctx, s); err != nil {
		return
	}
	s.mu.Lock()
	stop := s.def.Suspended && s.proc != nil
	s.mu.Unlock()
	if !stop || !m.stopSuspendedLocked(s) {
		s.unlock()
	}
}
