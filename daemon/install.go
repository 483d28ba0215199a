package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// InstallInstanceSuffix names the temporary runtime instance that runs an install's command
// steps ("<id>.install"); Delete and Load remove it with the server. A server id cannot
// contain "." (idPattern), so no server a tenant names can be another's internal instance.
const InstallInstanceSuffix = ".install"

// InstallFunc performs a server's installation in dir (its volume), writing progress to out
// (it lands in the console, line by line). It must return promptly once ctx is cancelled.
type InstallFunc func(ctx context.Context, def Definition, dir string, out io.Writer) error

// Install runs fn as the server's installation: the state is installing while it runs, then
// stopped on success or install_failed with the error as message. Possible from stopped,
// crashed and install_failed. Kill cancels it; Delete cancels it and waits for it. Install
// returns fn's error (ErrInvalidState when an installation is not possible now).
func (m *Manager) Install(ctx context.Context, id string, fn InstallFunc) error {
	s, err := m.locked(ctx, id)
	if err != nil {
		return err
	}
	s.mu.Lock()
	switch st := s.rec.State; st {
	case StateStopped, StateCrashed, StateInstallFailed:
	default:
		s.mu.Unlock()
		s.unlock()
		return invalid(st)
	}
	ictx, cancel := context.WithCancel(ctx)
	stopOnClose := context.AfterFunc(m.ctx, cancel)
	done := make(chan struct{})
	s.installCancel, s.installDone = cancel, done
	def := s.def.Clone()
	s.say("installing server")
	m.setState(s, StateInstalling, "")
	s.mu.Unlock()
	s.unlock() // other actions now see "installing" instead of queueing behind it

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
