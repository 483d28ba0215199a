package containerd

import (
	"context"
	"fmt"
	"time"

	v1 "github.com/containerd/cgroups/v3/cgroup1/stats"
	v2 "github.com/containerd/cgroups/v3/cgroup2/stats"
	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/containers"
	"github.com/containerd/typeurl/v2"

	"github.com/skypanel/skypanel/runtime"
)

// cpuSample is the previous CPU reading of a server.
type cpuSample struct {
	usage time.Duration
	at    time.Time
}

// unlimited is the threshold above which a memory limit means "none".
const unlimited = 1 << 62

// Stats reads the task's cgroup metrics: memory without page cache, the memory limit, and the
// CPU use since the previous sample (0 for the first sample of a server).
func (r *Runtime) Stats(ctx context.Context, id string) (runtime.Stats, error) {
	ctx = r.ns(ctx)
	_, t, err := r.runningTask(ctx, id)
	if err != nil {
		return runtime.Stats{}, err
	}
	m, err := t.Metrics(ctx)
	if err != nil {
		return runtime.Stats{}, r.wrap("stats", id, err)
	}
	data, err := typeurl.UnmarshalAny(m.Data)
	if err != nil {
		return runtime.Stats{}, fmt.Errorf("stats %s: %w", id, err)
	}
	var (
		st    runtime.Stats
		usage time.Duration
	)
	switch m := data.(type) {
	case *v1.Metrics:
		if mem := m.GetMemory(); mem != nil && mem.GetUsage() != nil {
			st.MemoryBytes = sub(mem.GetUsage().GetUsage(), mem.GetTotalInactiveFile())
			st.MemoryLimit = limit(mem.GetUsage().GetLimit())
		}
		usage = time.Duration(m.GetCPU().GetUsage().GetTotal())
	case *v2.Metrics:
		if mem := m.GetMemory(); mem != nil {
			st.MemoryBytes = sub(mem.GetUsage(), mem.GetInactiveFile())
			st.MemoryLimit = limit(mem.GetUsageLimit())
		}
		usage = time.Duration(m.GetCPU().GetUsageUsec()) * time.Microsecond
	default:
		return runtime.Stats{}, fmt.Errorf("stats %s: unknown metrics type %T", id, data)
	}
	st.CPUPercent = r.cpuPercent(id, usage, time.Now())
	return st, nil
}

func sub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

func limit(l uint64) uint64 {
	if l >= unlimited {
		return 0
	}
	return l
}

func (r *Runtime) cpuPercent(id string, usage time.Duration, now time.Time) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	prev, ok := r.samples[id]
	r.samples[id] = cpuSample{usage: usage, at: now}
	if !ok || !now.After(prev.at) || usage < prev.usage {
		return 0
	}
	return float64(usage-prev.usage) / float64(now.Sub(prev.at)) * 100
}

// Update stores the limits in the container's spec (used from the next start) and applies them
// to the running task.
func (r *Runtime) Update(ctx context.Context, id string, limits runtime.Limits) error {
	ctx = r.ns(ctx)
	if err := limits.Validate(); err != nil {
		return err
	}
	c, err := r.container(ctx, id)
	if err != nil {
		return err
	}
	s, err := c.Spec(ctx)
	if err != nil {
		return r.wrap("update", id, err)
	}
	s.Linux.Resources = r.resources(limits, s.Linux.Resources)
	if err := c.Update(ctx, func(_ context.Context, _ *client.Client, info *containers.Container) error {
		spec, err := typeurl.MarshalAny(s)
		if err != nil {
			return err
		}
		info.Spec = spec
		return nil
	}); err != nil {
		return r.wrap("update", id, err)
	}
	if _, t, err := r.runningTask(ctx, id); err == nil {
		live := r.resources(limits, nil)
		if err := t.Update(ctx, client.WithResources(live)); err != nil {
			return r.wrap("update", id, err)
		}
	}
	return nil
}

// CgroupPath returns the cgroup of server id's container (relative to the cgroup mount, e.g.
// "/skypanel/skypanel-<id>"), for checks that the limits really are in place.
func (r *Runtime) CgroupPath(ctx context.Context, id string) (string, error) {
	ctx = r.ns(ctx)
	c, err := r.container(ctx, id)
	if err != nil {
		return "", err
	}
	s, err := c.Spec(ctx)
	if err != nil {
		return "", r.wrap("cgroup", id, err)
	}
	if s.Linux == nil {
		return "", nil
	}
	return s.Linux.CgroupsPath, nil
}
