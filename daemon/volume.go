package daemon

import (
	"context"
	"fmt"
)

// Accessors for the file manager and backups (daemon/files, daemon/backup), which work on a
// server's volume but are not part of the lifecycle.

// DataDir returns the node's data folder (absolute): backups live in <DataDir>/backups.
func (m *Manager) DataDir() string { return m.st.root }

// VolumesDir returns the folder holding every server's volume (Options.VolumesDir).
func (m *Manager) VolumesDir() string { return m.st.volumes }

// VolumeDir returns the folder of a server's files; ErrNotFound for an unknown id.
func (m *Manager) VolumeDir(id string) (string, error) {
	if _, err := m.get(id); err != nil {
		return "", err
	}
	return m.st.volumeDir(id), nil
}

// WithVolumeExclusive runs fn(volume folder) holding the server's power lock while no process
// runs, so nothing starts, stops or installs the server until fn returns (a restore replaces
// the volume folder). A running server is stopped first when stop is true (the normal stop:
// stop command, SIGTERM, SIGKILL) and is not restarted; otherwise a running, starting, stopping
// or installing server is refused with ErrInvalidState. ctx bounds the wait for a previous power
// action.
func (m *Manager) WithVolumeExclusive(ctx context.Context, id string, stop bool, fn func(dir string) error) error {
	s, err := m.locked(ctx, id)
	if err != nil {
		return err
	}
	defer s.unlock()
	s.mu.Lock()
	st, running := s.rec.State, s.proc != nil
	s.mu.Unlock()
	switch {
	case st == StateInstalling:
		return invalid(st)
	case running && !stop:
		return fmt.Errorf("%w: server %q is running; stop it first (or pass stop=true)", ErrInvalidState, id)
	case running:
		if err := m.stopLocked(s); err != nil {
			return err
		}
	}
	return fn(m.st.volumeDir(id))
}
