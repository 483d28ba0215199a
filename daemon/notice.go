package daemon

import "strings"

// maxNoticeBytes bounds a notice (the rest is cut).
const maxNoticeBytes = 1024

// Notice writes a daemon line (DaemonPrefix + text) to a server's console, as the daemon's own
// lines are written: retained for Console and sent to subscribers. text is made one line of
// valid UTF-8 (line breaks become spaces) of at most maxNoticeBytes. ErrNotFound for an unknown
// id.
func (m *Manager) Notice(id, text string) error {
	s, err := m.get(id)
	if err != nil {
		return err
	}
	if len(text) > maxNoticeBytes {
		text = text[:maxNoticeBytes]
	}
	text = strings.ToValidUTF8(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(text), "\uFFFD")
	s.ring.add(DaemonPrefix + text)
	return nil
}
