package daemon

import "github.com/skypanel/skypanel/daemon/sftp"

// SFTPTarget implements sftp.Servers: server id's volume (with its disk limit) and whether it
// is suspended; false when the server is not on this node.
func (m *Manager) SFTPTarget(id string) (sftp.Target, bool) {
	s, err := m.get(id)
	if err != nil {
		return sftp.Target{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deleted {
		return sftp.Target{}, false
	}
	return sftp.Target{Volume: m.volume(s), Suspended: s.def.Suspended}, true
}

// OnAccessLost registers fn, called with a server's id once it is deleted or suspended (the
// SFTP server's ServerChanged: its sessions are closed at once). One hook; nil removes it.
func (m *Manager) OnAccessLost(fn func(id string)) {
	m.mu.Lock()
	m.accessLost = fn
	m.mu.Unlock()
}

// notifyAccessLost calls the OnAccessLost hook.
func (m *Manager) notifyAccessLost(id string) {
	m.mu.Lock()
	fn := m.accessLost
	m.mu.Unlock()
	if fn != nil {
		fn(id)
	}
}
