package e2e

import (
	"context"
	"os"
	"testing"

	"github.com/skypanel/skypanel/api"
)

// TestChangeLimits: PUT /api/servers/{id}/limits ("change package") on one `skypanel serve`,
// in both environments: a running server's memory cgroup limit changes at once (`live`, the
// same process), a stopped server answers `next-start` and starts with the new limit.
func TestChangeLimits(t *testing.T) {
	t.Parallel()
	p := startPanel(t, containerdFlag())
	for _, e := range environments {
		t.Run(e.name, func(t *testing.T) {
			e.require(t)
			t.Parallel()
			t.Run("running", func(t *testing.T) {
				t.Parallel()
				testLimitsLive(t, p, e)
			})
			t.Run("stopped", func(t *testing.T) {
				t.Parallel()
				testLimitsNextStart(t, p, e)
			})
		})
	}
}

// cgroupChecked says whether the environment enforces limits in this run (the host runtime
// only as root).
func cgroupChecked(t *testing.T, e environment) bool {
	if e.typ == api.EnvironmentTypeStandard && os.Geteuid() != 0 {
		t.Log("not root: the host runtime enforces no cgroup limit; cgroup check skipped")
		return false
	}
	return true
}

// setLimits sends the change and returns the answer (200 expected).
func (s *server) setLimits(t *testing.T, b api.ServerLimitsUpdate) api.ServerLimitsResult {
	t.Helper()
	resp, err := s.c.SetServerLimitsWithResponse(context.Background(), s.id, b)
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("PUT /api/servers/%s/limits: %v %s", s.id, err, body(resp))
	}
	return *resp.JSON200
}

// memoryOnly is a change of the memory limit alone.
func memoryOnly(mib int64) api.ServerLimitsUpdate {
	var b api.ServerLimitsUpdate
	b.Limits = &struct {
		Cpu    *int   `json:"cpu,omitempty"`
		Disk   *int64 `json:"disk,omitempty"`
		Io     *int   `json:"io,omitempty"`
		Memory *int64 `json:"memory,omitempty"`
		Pids   *int64 `json:"pids,omitempty"`
		Swap   *int64 `json:"swap,omitempty"`
	}{Memory: ptr(mib)}
	return b
}

func testLimitsLive(t *testing.T, p *panel, e environment) {
	s := p.create(t, serverID("limlive", e), e, p.body(e, echoLoop)) // 64 MiB
	s.start(t)
	s.echo(t, "warm")
	pid := s.pidOf(t)
	check := cgroupChecked(t, e)
	if check {
		if got := memoryLimit(t, pid); got != 64<<20 {
			t.Fatalf("memory limit before = %d, want %d", got, 64<<20)
		}
	}
	out := s.setLimits(t, memoryOnly(96))
	if out.Applied != api.ServerLimitsResultAppliedLive || out.Resources.Memory != 96 {
		t.Fatalf("answer %+v, want applied live, memory 96", out)
	}
	if check {
		if got := memoryLimit(t, pid); got != 96<<20 {
			t.Errorf("memory limit of the running process %d = %d, want %d", pid, got, 96<<20)
		}
	}
	if now := s.pidOf(t); now != pid || !alive(pid) {
		t.Errorf("the server was restarted: pid %d, then %d", pid, now)
	}
	s.echo(t, "still here")
	s.remove(t, pid)
}

func testLimitsNextStart(t *testing.T, p *panel, e environment) {
	s := p.create(t, serverID("limnext", e), e, p.body(e, echoLoop))
	out := s.setLimits(t, memoryOnly(80))
	if out.Applied != api.ServerLimitsResultAppliedNextStart || out.Resources.Memory != 80 {
		t.Fatalf("answer %+v, want applied next-start, memory 80", out)
	}
	s.start(t)
	s.echo(t, "warm")
	pid := s.pidOf(t)
	if cgroupChecked(t, e) {
		if got := memoryLimit(t, pid); got != 80<<20 {
			t.Errorf("memory limit after the start = %d, want %d", got, 80<<20)
		}
	}
	s.remove(t, pid)
}
