package daemon

// Notice writes a daemon line (DaemonPrefix + text) to a server's console, as the daemon's own
// lines are written: retained for Console and sent to subscribers. ErrNotFound for an unknown id.
func (m *Manager) Notice(id, text string) error {
	s, err := m.get(id)
	if err != nil {
		return err
	}
	s.ring.add(DaemonPrefix + text)
	return nil
}
