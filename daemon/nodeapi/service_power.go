package nodeapi

import (
	"context"
	"fmt"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// Power runs start and kill now; stop and restart are checked against the current state and
// then run in the background (Close waits for them).
func (s *Service) Power(ctx context.Context, id string, action daemonapi.PowerRequestAction) error {
	m, err := s.manager()
	if err != nil {
		return err
	}
	switch action {
	case daemonapi.PowerRequestActionStart:
		return m.Start(ctx, id)
	case daemonapi.PowerRequestActionKill:
		return m.Kill(ctx, id)
	case daemonapi.PowerRequestActionStop, daemonapi.PowerRequestActionRestart:
	default:
		return fmt.Errorf("%w: action: %q is not start, stop, restart or kill", ErrFieldInvalid, action)
	}
	st, err := m.Status(id)
	if err != nil {
		return err
	}
	if st.State == daemon.StateInstalling {
		return fmt.Errorf("%w: %w: server is installing", daemon.ErrInvalidState, daemon.ErrBusy)
	}
	if action == daemonapi.PowerRequestActionStop && !st.Running {
		return m.Stop(ctx, id) // idempotent no-op (a crashed server becomes stopped)
	}
	run := m.Stop
	if action == daemonapi.PowerRequestActionRestart {
		if err := m.CheckSuspended(id); err != nil { // refused here: the restart runs in the background
			return err
		}
		if err := m.CheckDisk(id); err != nil {
			return err
		}
		run = m.Restart
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		bctx, cancel := context.WithTimeout(s.bg, backgroundTimeout)
		defer cancel()
		if err := run(bctx, id); err != nil {
			s.log.Warn("background power action failed", "server", id, "action", action, "err", err)
		}
	}()
	return nil
}

// Status reports the server's state.
func (s *Service) Status(_ context.Context, id string) (daemonapi.Status, error) {
	m, err := s.manager()
	if err != nil {
		return daemonapi.Status{}, err
	}
	st, err := m.Status(id)
	if err != nil {
		return daemonapi.Status{}, err
	}
	return StatusToAPI(st), nil
}

// Stats samples the server's resource usage.
func (s *Service) Stats(ctx context.Context, id string) (daemonapi.Stats, error) {
	m, err := s.manager()
	if err != nil {
		return daemonapi.Stats{}, err
	}
	st, err := m.Stats(ctx, id)
	if err != nil {
		return daemonapi.Stats{}, err
	}
	return StatsToAPI(st), nil
}

// Console returns lines after the cursor since.
func (s *Service) Console(_ context.Context, id string, since int64) (daemonapi.ConsolePage, error) {
	m, err := s.manager()
	if err != nil {
		return daemonapi.ConsolePage{}, err
	}
	lines, next, err := m.Console(id, since)
	if err != nil {
		return daemonapi.ConsolePage{}, err
	}
	if lines == nil {
		lines = []string{}
	}
	return daemonapi.ConsolePage{Lines: lines, Cursor: next}, nil
}

// SendCommand writes a line to the server's stdin.
func (s *Service) SendCommand(ctx context.Context, id, command string) error {
	m, err := s.manager()
	if err != nil {
		return err
	}
	return m.SendCommand(ctx, id, command)
}

// Wait waits for background power actions and installs (tests).
func (s *Service) Wait() { s.wg.Wait() }
