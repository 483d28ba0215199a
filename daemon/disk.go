package daemon

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/skypanel/skypanel/daemon/files"
)

// DiskLimitError is ErrOverDiskLimit with the figures: the server's folder holds more than
// its disk limit, so it may not start (or install) until files are deleted.
type DiskLimitError struct {
	ID         string
	UsedBytes  int64
	LimitBytes int64
}

func (e *DiskLimitError) Error() string {
	return fmt.Sprintf("%s: server %q uses %d MiB of its %d MiB disk limit; delete files to bring it under the limit",
		ErrOverDiskLimit, e.ID, ceilMiB(e.UsedBytes), e.LimitBytes>>20)
}

func (e *DiskLimitError) Unwrap() error { return ErrOverDiskLimit }

func ceilMiB(n int64) int64 { return (n + 1<<20 - 1) >> 20 }

// Files returns the file manager of the node's volumes: the file API and the disk watcher
// share its cached usage.
func (m *Manager) Files() *files.Service { return m.files }

// volume describes server s's volume for the file manager (s.mu held).
func (m *Manager) volume(s *server) files.Volume {
	return files.Volume{ID: s.id, Dir: m.st.volumeDir(s.id), LimitBytes: s.def.Limits.DiskMiB << 20}
}

// diskLoop measures, every Options.DiskInterval, the folder of each running or installing
// server that has a disk limit (one walk per server per interval) and acts on the ones above it.
func (m *Manager) diskLoop() {
	t := time.NewTicker(m.opts.DiskInterval)
	defer t.Stop()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-t.C:
		}
		m.mu.Lock()
		all := make([]*server, 0, len(m.servers))
		for _, s := range m.servers {
			all = append(all, s)
		}
		m.mu.Unlock()
		for _, s := range all {
			if m.ctx.Err() != nil {
				return
			}
			m.checkDisk(s)
		}
	}
}

// checkDisk measures one server when it runs or installs under a disk limit; a running server
// above the limit is stopped, an installation above it is cancelled.
func (m *Manager) checkDisk(s *server) {
	s.mu.Lock()
	vol, st, cancel, done := m.volume(s), s.rec.State, s.installCancel, s.installDone
	s.mu.Unlock()
	if vol.LimitBytes <= 0 || (st != StateRunning && st != StateInstalling) {
		return
	}
	used, err := m.files.Measure(vol)
	if err != nil {
		m.log.Warn("measure disk usage", "server", s.id, "err", err)
		return
	}
	if used <= vol.LimitBytes {
		return
	}
	over := &DiskLimitError{ID: s.id, UsedBytes: used, LimitBytes: vol.LimitBytes}
	if st == StateInstalling && cancel != nil {
		s.mu.Lock()
		same := s.installDone == done // still the installation that was measured
		if same {
			s.installOver = over
		}
		s.mu.Unlock()
		if same {
			cancel()
		}
		return
	}
	m.spawn(func() { m.stopOverLimit(s, over) })
}

// stopOverLimit stops a running server that wrote past its disk limit (the normal stop), with
// a console notice, and leaves the reason in its state message.
func (m *Manager) stopOverLimit(s *server, over *DiskLimitError) {
	if err := m.lock(m.ctx, s); err != nil {
		return
	}
	defer s.unlock()
	s.mu.Lock()
	running := s.rec.State == StateRunning
	if running {
		s.say("stopping server: its folder holds %d MiB, over its disk limit of %d MiB; delete files to start it again",
			ceilMiB(over.UsedBytes), over.LimitBytes>>20)
	}
	s.mu.Unlock()
	if !running {
		return
	}
	m.log.Warn("server over its disk limit: stopping it", "server", s.id, "used", over.UsedBytes, "limit", over.LimitBytes)
	if err := m.stopLocked(s); err != nil {
		m.log.Warn("stop a server over its disk limit", "server", s.id, "err", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rec.State == StateStopped {
		m.setState(s, StateStopped, "stopped: "+over.Error())
	}
}

// diskAllowsStart refuses to start a server whose folder is above its disk limit (measured
// now: the server does not run, so one walk is exact), with a console notice. Power lock held,
// s.mu not.
func (m *Manager) diskAllowsStart(ctx context.Context, s *server) error {
	s.mu.Lock()
	st := s.rec.State
	s.mu.Unlock()
	if checkStart(st) != nil {
		return nil // the state check answers
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := m.overDisk(s)
	var over *DiskLimitError
	if errors.As(err, &over) {
		s.mu.Lock()
		s.say("not starting: %v", over)
		s.mu.Unlock()
	}
	return err
}

// CheckDisk measures a server's folder now and returns a DiskLimitError (ErrOverDiskLimit)
// when it holds more than the server's disk limit; nil without a limit. The panel checks it
// before a restart it runs in the background, so the refusal reaches the client.
func (m *Manager) CheckDisk(id string) error {
	s, err := m.get(id)
	if err != nil {
		return err
	}
	return m.overDisk(s)
}

// overDisk measures s's folder: a DiskLimitError above its limit, else nil (also when the
// folder cannot be measured: that is logged, and a missing folder holds nothing).
func (m *Manager) overDisk(s *server) error {
	s.mu.Lock()
	vol := m.volume(s)
	s.mu.Unlock()
	if vol.LimitBytes <= 0 {
		return nil
	}
	used, err := m.files.Measure(vol)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			m.log.Warn("measure disk usage", "server", s.id, "err", err)
		}
		return nil
	}
	if used <= vol.LimitBytes {
		return nil
	}
	return &DiskLimitError{ID: s.id, UsedBytes: used, LimitBytes: vol.LimitBytes}
}
