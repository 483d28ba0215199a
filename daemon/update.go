package daemon

import (
	"context"
	"fmt"

	"github.com/skypanel/skypanel/runtime"
)

// Applied says when an Update's limits take effect.
type Applied string

const (
	// AppliedLive means the server was running and its limits were applied to it live.
	AppliedLive Applied = "live"
	// AppliedNextStart means the server was not running; the definition applies at its next start.
	AppliedNextStart Applied = "next-start"
)

// Update replaces a server's definition (same id and environment). Limits apply live through
// runtime.Update when the server runs (AppliedLive), else at its next start (AppliedNextStart).
// A changed command, image or environment recreates the runtime instance now when the server is
// not running, else at the next start. During an installation only a change of Suspended is
// accepted (the installation goes on; a suspended server then stays stopped). A definition that
// suspends a running server begins its normal stop (stop command, SIGTERM, SIGKILL) in the
// background: the server is stopping when Update returns, and the stop holds the power lock
// until the process is gone.
func (m *Manager) Update(ctx context.Context, def Definition) (Applied, error) {
	def = def.Clone()
	if err := def.Validate(); err != nil {
		return "", err
	}
	s, err := m.locked(ctx, def.ID)
	if err != nil {
		return "", err
	}
	handed := false // the power lock went to a background stop
	defer func() {
		if !handed {
			s.unlock()
		}
	}()
	s.mu.Lock()
	old, st, running := s.def, s.rec.State, s.proc != nil
	s.mu.Unlock()
	def.UID = old.UID // the node's: kept for as long as the server exists
	switch {
	case def.Environment != old.Environment:
		return "", fmt.Errorf("%w: environment: cannot change from %q to %q", ErrInvalidDefinition, old.Environment, def.Environment)
	case st == StateInstalling && !onlySuspensionDiffers(old, def):
		return "", invalid(st)
	case st == StateInstalling:
		return AppliedNextStart, m.saveDefinition(s, def)
	case s.rt == nil:
		return "", fmt.Errorf("%w: environment: %q is not available on this node", ErrInvalidState, def.Environment)
	}
	applied, err := m.applyDefinition(ctx, s, old, def, running)
	if err != nil {
		return "", err
	}
	if err := m.saveDefinition(s, def); err != nil {
		return "", err
	}
	if def.Suspended && running {
		handed = m.stopSuspendedLocked(s)
	}
	return applied, nil
}

// applyDefinition brings the runtime in line with def (power lock held): the limits of a
// running server live, the instance of a stopped one now.
func (m *Manager) applyDefinition(ctx context.Context, s *server, old, def Definition, running bool) (Applied, error) {
	spec, err := def.Spec(m.st.volumeDir(def.ID))
	if err != nil {
		return "", err
	}
	if !running {
		return AppliedNextStart, m.syncInstance(ctx, s, spec)
	}
	if spec.Limits != old.Limits.Runtime() {
		if err := s.rt.Update(ctx, def.ID, spec.Limits); err != nil {
			return "", fmt.Errorf("update limits of %q: %w", def.ID, err)
		}
	}
	return AppliedLive, nil
}

// saveDefinition stores def as s's definition (power lock held).
func (m *Manager) saveDefinition(s *server, def Definition) error {
	if err := m.st.writeDefinition(def); err != nil {
		return err
	}
	s.mu.Lock()
	s.def = def
	s.mu.Unlock()
	if def.Suspended {
		m.notifyAccessLost(def.ID)
	}
	return nil
}

// onlySuspensionDiffers reports whether a and b differ in nothing but Suspended.
func onlySuspensionDiffers(a, b Definition) bool {
	b.Suspended = a.Suspended
	return sameDefinition(a, b)
}

// syncInstance makes the (not running) instance match spec: recreated when absent or created
// from another spec, updated when only the limits differ. Power lock held.
func (m *Manager) syncInstance(ctx context.Context, s *server, spec runtime.Spec) error {
	state, err := s.rt.State(ctx, s.id)
	if err != nil {
		return fmt.Errorf("instance state of %q: %w", s.id, err)
	}
	if state == runtime.StateRunning {
		return fmt.Errorf("%w: a process of %q runs that the daemon is not attached to", ErrInvalidState, s.id)
	}
	s.mu.Lock()
	rec := s.rec
	s.mu.Unlock()
	hash := specHash(spec)
	switch {
	case state == runtime.StateAbsent || hash != rec.SpecHash:
		if state != runtime.StateAbsent {
			if err := s.rt.Delete(ctx, s.id); err != nil {
				return fmt.Errorf("delete instance of %q: %w", s.id, err)
			}
			m.setApplied(s, "", runtime.Limits{})
		}
		if err := m.createInstance(ctx, s.rt, spec); err != nil {
			return fmt.Errorf("server %q: %w", s.id, err)
		}
	case spec.Limits != rec.Limits:
		if err := s.rt.Update(ctx, s.id, spec.Limits); err != nil {
			return fmt.Errorf("update limits of %q: %w", s.id, err)
		}
	default:
		return nil
	}
	m.setApplied(s, hash, spec.Limits)
	return nil
}

func (m *Manager) setApplied(s *server, hash string, l runtime.Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rec.SpecHash, s.rec.Limits = hash, l
	m.saveRecord(s)
}
