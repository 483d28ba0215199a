package host

import (
	"context"
	"os"
	"strconv"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// clockTick is USER_HZ, the unit of utime/stime in /proc (100 on every Linux ABI Go supports).
const clockTick = 100

// Stats samples the running process group: from its cgroup when limits are enforced, else from
// /proc (RSS and utime+stime summed over the group). The first sample of a run reports 0% CPU.
func (r *Runtime) Stats(_ context.Context, id string) (runtime.Stats, error) {
	p, err := r.running(id)
	if err != nil {
		return runtime.Stats{}, err
	}
	var (
		st  runtime.Stats
		cpu time.Duration
	)
	if p.cg != nil {
		if st.MemoryBytes, st.MemoryLimit, err = p.cg.Memory(); err != nil {
			return runtime.Stats{}, err
		}
		if cpu, err = p.cg.CPUUsage(); err != nil {
			return runtime.Stats{}, err
		}
	} else {
		cpu, st.MemoryBytes = groupUsage(p.rec.pid)
	}
	st.CPUPercent = p.cpuPercent(cpu, time.Now())
	return st, nil
}

// cpuPercent returns the CPU use since the previous sample (100 = one core).
func (p *proc) cpuPercent(cpu time.Duration, now time.Time) float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var pct float64
	if !p.lastAt.IsZero() && now.After(p.lastAt) && cpu >= p.lastCPU {
		pct = float64(cpu-p.lastCPU) / float64(now.Sub(p.lastAt)) * 100
	}
	p.lastCPU, p.lastAt = cpu, now
	return pct
}

// groupUsage sums CPU time and resident memory over the processes of process group pgid.
func groupUsage(pgid int) (cpu time.Duration, rss uint64) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, 0
	}
	page := uint64(os.Getpagesize())
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st := readStat(pid)
		if !st.ok || st.pgrp != pgid {
			continue
		}
		cpu += time.Duration(st.utime+st.stime) * time.Second / clockTick
		if st.rssPages > 0 {
			rss += uint64(st.rssPages) * page
		}
	}
	return cpu, rss
}

// Update stores the limits and applies them to the running process's cgroup.
func (r *Runtime) Update(_ context.Context, id string, limits runtime.Limits) error {
	if err := limits.Validate(); err != nil {
		return err
	}
	spec, err := r.loadSpec(id)
	if err != nil {
		return err
	}
	spec.Limits = limits
	if err := r.saveSpec(spec); err != nil {
		return err
	}
	if p := r.current(id); p != nil && p.alive() && p.cg != nil {
		return p.cg.Set(r.enforced(limits))
	}
	return nil
}

// CgroupPath returns the cgroup of instance id (relative to the cgroup mount), or "" when
// limits are not enforced.
func (r *Runtime) CgroupPath(id string) string {
	if !r.cgroups {
		return ""
	}
	return r.cgroupPath(id)
}
