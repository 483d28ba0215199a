package nodeapi

import (
	"context"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/install"
)

// Install runs the installation of the server's install plan in the background (Close cancels
// and waits for it) and returns once it runs; wipe empties the server's folder first.
func (s *Service) Install(_ context.Context, id string, wipe bool) error {
	m, err := s.manager()
	if err != nil {
		return err
	}
	st, err := m.Status(id)
	if err != nil {
		return err
	}
	switch st.State {
	case daemon.StateStopped, daemon.StateCrashed, daemon.StateInstallFailed:
	default:
		return fmt.Errorf("%w: server is %s", daemon.ErrInvalidState, st.State)
	}
	inst := install.New(s.installConfig(), s.opts.Runtimes, s.log)
	started := make(chan struct{})
	result := make(chan error, 1)
	installFn := m.Install
	if wipe {
		installFn = m.Reinstall
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := installFn(s.bg, id, func(ctx context.Context, def daemon.Definition, dir string, out io.Writer) error {
			close(started)
			return bounded(inst.Run(ctx, def, dir, out))
		})
		if err != nil {
			s.log.Warn("installation failed", "server", id, "err", err)
		}
		result <- err
	}()
	select {
	case <-started:
		return nil
	case err := <-result:
		select {
		case <-started: // it began (and already ended): its outcome is in the status
			return nil
		default: // refused before it began (state changed meanwhile, server deleted)
			return err
		}
	}
}

// SetInstallConfig replaces the installer's configuration (base URLs, mirrors, timeouts) for
// installations started afterwards.
func (s *Service) SetInstallConfig(c install.Config) {
	s.instMu.Lock()
	defer s.instMu.Unlock()
	s.install = c
}

func (s *Service) installConfig() install.Config {
	s.instMu.Lock()
	defer s.instMu.Unlock()
	return s.install
}

// maxInstallMessage keeps an installation error (the status message) within the API's limit.
const maxInstallMessage = 900

type boundedError struct {
	msg string
	err error
}

func (e *boundedError) Error() string { return e.msg }
func (e *boundedError) Unwrap() error { return e.err }

// bounded shortens the message of a long error, keeping it matchable with errors.Is.
func bounded(err error) error {
	if err == nil || len(err.Error()) <= maxInstallMessage {
		return err
	}
	msg, cut := err.Error(), maxInstallMessage
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return &boundedError{msg: msg[:cut] + "…", err: err}
}
