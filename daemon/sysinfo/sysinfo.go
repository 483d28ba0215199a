// Package sysinfo reads a node's hardware and OS facts from the machine it runs on: CPU model,
// cores, threads and clock, memory and disk totals, OS platform, family and version.
package sysinfo

import (
	"context"
	"fmt"
	"runtime"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/mem"
)

// CPU describes the processor.
type CPU struct {
	Model   string
	Cores   int // physical cores
	Threads int // logical CPUs
	MHz     float64
}

// Usage is a total/used/free triple in bytes.
type Usage struct{ Total, Used, Free uint64 }

// OS names the operating system.
type OS struct{ Platform, Family, Version string }

// System is one reading of the machine.
type System struct {
	CPU    CPU
	Memory Usage // used excludes page cache and buffers
	Disk   Usage // the file system holding dataDir
	OS     OS
}

// Read samples the machine; dataDir selects the file system reported as Disk.
func Read(ctx context.Context, dataDir string) (System, error) {
	var s System
	infos, err := cpu.InfoWithContext(ctx)
	if err != nil || len(infos) == 0 {
		return s, fmt.Errorf("cpu info: %w", err)
	}
	s.CPU.Model, s.CPU.MHz = infos[0].ModelName, infos[0].Mhz
	if s.CPU.Threads, err = cpu.CountsWithContext(ctx, true); err != nil {
		s.CPU.Threads = runtime.NumCPU()
	}
	if s.CPU.Cores, err = cpu.CountsWithContext(ctx, false); err != nil || s.CPU.Cores == 0 {
		s.CPU.Cores = s.CPU.Threads
	}
	vm, err := mem.VirtualMemoryWithContext(ctx)
	if err != nil {
		return s, fmt.Errorf("memory info: %w", err)
	}
	s.Memory = Usage{Total: vm.Total, Used: vm.Total - vm.Available, Free: vm.Available}
	du, err := disk.UsageWithContext(ctx, dataDir)
	if err != nil {
		return s, fmt.Errorf("disk usage of %s: %w", dataDir, err)
	}
	s.Disk = Usage{Total: du.Total, Used: du.Used, Free: du.Free}
	hi, err := host.InfoWithContext(ctx)
	if err != nil {
		return s, fmt.Errorf("host info: %w", err)
	}
	s.OS = OS{Platform: hi.OS, Family: hi.PlatformFamily, Version: hi.PlatformVersion}
	if hi.Platform != "" && hi.OS == "linux" {
		s.OS.Family = hi.Platform // "debian", "ubuntu", … as the docs show
		if hi.PlatformFamily != "" && hi.PlatformFamily != hi.Platform {
			s.OS.Family = hi.PlatformFamily
		}
	}
	return s, nil
}
