package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// InstallInstanceSuffix names the temporary runtime instance that runs an install's command
// steps ("<id>.install"); Delete and Load remove it with the server. The '.' is allowed in
// runtime ids (runtime.ValidID, containerd identifiers) but never in a server id
// (^[A-Za-z0-9_-]{1,32}$), so no server's instance can be named like another server's install
// instance, and deleting a leftover install instance can never delete another server.
const InstallInstanceSuffix = ".install"

// InstallFunc performs a server's installation in dir (its volume), writing progress to out
// (it lands in the console, line by line). It must return promptly once ctx is cancelled.
type InstallFunc func(ctx context.Context, def Definition, dir string, out io.Writer) error

// Install runs fn as the server's installation: the state is installing while it runs, then
// stopped on success or install_failed with the error as message. Possible from stopped,
// crashed and install_failed, not for a suspended server (ErrSuspended), and not while the
// server's folder is over its disk limit (DiskLimitError; the watcher cancels one that passes
// it). Kill cancels it; Delete cancels it and waits for it. Install returns fn's error
// (ErrInvalidState when an installation is not possible now).
func (m *Manager) Install(ctx context.Context, id string, fn InstallFunc) error {
	return m.install(ctx, id, false, fn)
}

// Reinstall is Install after emptying the server's folder (see wipeFolder): everything in it
// goes, the folder itself (owner, mode) stays; backups live elsewhere and are kept. A folder
// over its disk limit is no obstacle (it is emptied). The wipe runs in state installing; when
// it fails the server ends install_failed and fn does not run.
func (m *Manager) Reinstall(ctx context.Context, id string, fn InstallFunc) error {
	return m.install(ctx, id, true, fn)
}

func (m *Manager) install(ctx context.Context, id string, wipe bool, fn InstallFunc) error {
	s, err := m.locked(ctx, id)
	if err != nil {
		return err
	}
	s.mu.Lock()
	st, suspended := s.rec.State, s.def.Suspended
	s.mu.Unlock()
	switch st {
	case StateStopped, StateCrashed, StateInstallFailed:
	default:
		s.unlock()
		return invalid(st)
	}
	if suspended {
		s.unlock()
		return fmt.Errorf("%w: server %q cannot be installed", ErrSuspended, id)
	}
	if !wipe {
		if err := m.overDisk(s); err != nil { // nothing is written to a folder over its limit
			s.unlock()
			return err
		}
	}
	s.mu.Lock()
	ictx, cancel := context.WithCancel(ctx)
	stopOnClose := context.AfterFunc(m.ctx, cancel)
	done := make(chan struct{})
	s.installCancel, s.installDone = cancel, done
	def := s.def.Clone()
	s.say("installing server")
	m.setState(s, StateInstalling, "")
	s.mu.Unlock()
	s.unlock() // other actions now see "installing" instead of queueing behind it

	if wipe {
		fn = m.wipeFirst(fn)
	}
	err = m.runInstall(ictx, s, def, fn)
	stopOnClose()
	cancel()

	s.mu.Lock()
	defer s.mu.Unlock()
	s.installCancel, s.installDone = nil, nil
	defer close(done)
	if s.deleted || m.ctx.Err() != nil {
		return err // deleted, or the daemon is shutting down: Load reports install_failed
	}
	if over := s.installOver; over != nil && err != nil {
		err = fmt.Errorf("installation stopped: %w", over) // the disk watcher cancelled it
	}
	s.installOver = nil
	if err != nil {
		if errors.Is(err, context.Canceled) && ictx.Err() != nil {
			err = fmt.Errorf("installation cancelled: %w", err)
		}
		s.say("installation failed: %v", err)
		m.setState(s, StateInstallFailed, err.Error())
		return err
	}
	s.say("installation finished")
	m.setState(s, StateStopped, "")
	return nil
}

// runInstall runs fn with its output piped into the console.
func (m *Manager) runInstall(ctx context.Context, s *server, def Definition, fn InstallFunc) error {
	pr, pw := io.Pipe()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = splitLines(pr, m.opts.MaxLineBytes, s.ring.add)
		_ = pr.Close()
	}()
	err := fn(ctx, def, m.st.volumeDir(s.id), pw)
	_ = pw.Close()
	wg.Wait()
	return err
}

// cancelInstall cancels a running installation and waits for it (power lock held).
func (m *Manager) cancelInstall(ctx context.Context, s *server) error {
	s.mu.Lock()
	cancel, done := s.installCancel, s.installDone
	s.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for the installation to stop: %w", ctx.Err())
	}
}
