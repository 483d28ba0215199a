package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// CPUPeriod is the CFS period; CPUPercent 100 is a quota of one period (one core).
const CPUPeriod = 100000

// unlimited is the threshold above which a v1 memory limit means "none".
const unlimited = 1 << 62

func (g *Group) createV1() error {
	for _, c := range v1Controllers {
		if d := g.dir(c); d != "" {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("cgroup: %w", err)
			}
		}
	}
	return nil
}

func (g *Group) createV2() error {
	// Enable the controllers for the children of every ancestor, from the root down.
	parts := strings.Split(strings.Trim(g.path, "/"), "/")
	dir := g.h.root
	for _, p := range parts {
		avail, err := readFile(dir, "cgroup.controllers")
		if err != nil {
			return err
		}
		var want []string
		for _, c := range []string{"memory", "cpu", "pids", "io"} {
			if hasWord(avail, c) {
				want = append(want, "+"+c)
			}
		}
		if err := writeFile(dir, "cgroup.subtree_control", strings.Join(want, " ")); err != nil {
			return err
		}
		dir = filepath.Join(dir, p)
		if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
			return fmt.Errorf("cgroup: %w", err)
		}
	}
	return nil
}

// Set applies the limits (zero fields remove the limit).
func (g *Group) Set(l runtime.Limits) error {
	if g.h.v2 {
		return g.setV2(l)
	}
	return g.setV1(l)
}

func (g *Group) setV1(l runtime.Limits) error {
	if err := g.setMemoryV1(l); err != nil {
		return err
	}
	if d := g.dir("cpu"); d != "" {
		quota := "-1"
		if l.CPUPercent > 0 {
			quota = strconv.FormatInt(l.CPUPercent*CPUPeriod/100, 10)
		}
		if err := writeFile(d, "cpu.cfs_period_us", strconv.Itoa(CPUPeriod)); err != nil {
			return err
		}
		if err := writeFile(d, "cpu.cfs_quota_us", quota); err != nil {
			return err
		}
	}
	if d := g.dir("pids"); d != "" {
		if err := writeFile(d, "pids.max", pidsValue(l.Pids)); err != nil {
			return err
		}
	}
	if d := g.dir("blkio"); d != "" && l.IOWeight > 0 {
		for _, f := range []string{"blkio.bfq.weight", "blkio.weight"} {
			if _, err := os.Stat(filepath.Join(d, f)); err == nil {
				return writeFile(d, f, strconv.Itoa(int(l.IOWeight)))
			}
		}
	}
	return nil
}

func (g *Group) setMemoryV1(l runtime.Limits) error {
	d := g.dir("memory")
	mem, memsw := "-1", "-1"
	if l.MemoryMiB > 0 {
		mem = strconv.FormatInt(l.MemoryMiB<<20, 10)
		if l.SwapMiB >= 0 {
			memsw = strconv.FormatInt((l.MemoryMiB+l.SwapMiB)<<20, 10)
		}
	}
	if _, err := os.Stat(filepath.Join(d, "memory.memsw.limit_in_bytes")); err != nil {
		return writeFile(d, "memory.limit_in_bytes", mem)
	}
	// memory <= memory+swap at every moment: try one order, then the other.
	if err := writeFile(d, "memory.limit_in_bytes", mem); err == nil {
		return writeFile(d, "memory.memsw.limit_in_bytes", memsw)
	}
	if err := writeFile(d, "memory.memsw.limit_in_bytes", memsw); err != nil {
		return err
	}
	return writeFile(d, "memory.limit_in_bytes", mem)
}

func (g *Group) setV2(l runtime.Limits) error {
	d := g.dir("")
	mem, swap := "max", "max"
	if l.MemoryMiB > 0 {
		mem = strconv.FormatInt(l.MemoryMiB<<20, 10)
		if l.SwapMiB >= 0 {
			swap = strconv.FormatInt(l.SwapMiB<<20, 10)
		}
	}
	cpu := "max " + strconv.Itoa(CPUPeriod)
	if l.CPUPercent > 0 {
		cpu = strconv.FormatInt(l.CPUPercent*CPUPeriod/100, 10) + " " + strconv.Itoa(CPUPeriod)
	}
	files := [][2]string{{"memory.max", mem}, {"memory.swap.max", swap}, {"cpu.max", cpu}, {"pids.max", pidsValue(l.Pids)}}
	if l.IOWeight > 0 {
		files = append(files, [2]string{"io.weight", "default " + strconv.Itoa(IOWeightV2(l.IOWeight))})
	}
	for _, f := range files {
		err := writeFile(d, f[0], f[1])
		if err != nil && !(errors.Is(err, os.ErrNotExist) && f[0] == "memory.swap.max") {
			return err
		}
	}
	return nil
}

// IOWeightV2 converts a blkio weight (10..1000) to a v2 io.weight (1..10000), as runc does.
func IOWeightV2(w uint16) int { return 1 + (int(w)-10)*9999/990 }

func pidsValue(n int64) string {
	if n <= 0 {
		return "max"
	}
	return strconv.FormatInt(n, 10)
}

// Memory returns the usage without page cache (usage - inactive_file) and the limit (0 = none).
func (g *Group) Memory() (usage, limit uint64, err error) {
	d := g.dir("memory")
	usageFile, limitFile, inactiveKey := "memory.usage_in_bytes", "memory.limit_in_bytes", "total_inactive_file"
	if g.h.v2 {
		usageFile, limitFile, inactiveKey = "memory.current", "memory.max", "inactive_file"
	}
	u, err := readUint(d, usageFile)
	if err != nil {
		return 0, 0, err
	}
	inactive, err := keyed(d, "memory.stat", inactiveKey)
	if err != nil {
		return 0, 0, err
	}
	if inactive < u {
		usage = u - inactive
	}
	if limit, err = readUint(d, limitFile); err != nil || limit >= unlimited {
		limit = 0
	}
	return usage, limit, nil
}

// CPUUsage returns the CPU time used by the group so far.
func (g *Group) CPUUsage() (time.Duration, error) {
	if g.h.v2 {
		us, err := keyed(g.dir(""), "cpu.stat", "usage_usec")
		return time.Duration(us) * time.Microsecond, err
	}
	ns, err := readUint(g.dir("cpuacct"), "cpuacct.usage")
	return time.Duration(ns), err
}

// OOMKills returns how many processes of the group the OOM killer ended (kernel >= 4.13 on v1).
func (g *Group) OOMKills() (uint64, error) {
	if g.h.v2 {
		return keyed(g.dir(""), "memory.events", "oom_kill")
	}
	return keyed(g.dir("memory"), "memory.oom_control", "oom_kill")
}

func readUint(dir, name string) (uint64, error) {
	s, err := readFile(dir, name)
	if err != nil {
		return 0, err
	}
	if s == "max" {
		return unlimited, nil
	}
	return strconv.ParseUint(s, 10, 64)
}

// PidsMax returns the group's pids limit (0 = none).
func (g *Group) PidsMax() (int64, error) {
	n, err := readUint(g.dir("pids"), "pids.max")
	if err != nil || n >= unlimited {
		return 0, err
	}
	return int64(n), nil
}

// Exists reports whether the group's memory folder exists.
func (g *Group) Exists() bool {
	_, err := os.Stat(g.dir("memory"))
	return err == nil
}
