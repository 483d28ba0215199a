package sysinfo

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"
)

func TestReadMatchesMachine(t *testing.T) {
	s, err := Read(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if s.CPU.Threads != runtime.NumCPU() {
		t.Errorf("threads = %d, runtime.NumCPU = %d", s.CPU.Threads, runtime.NumCPU())
	}
	if s.CPU.Cores < 1 || s.CPU.Cores > s.CPU.Threads {
		t.Errorf("cores = %d (threads %d)", s.CPU.Cores, s.CPU.Threads)
	}
	cpuinfo, _ := os.ReadFile("/proc/cpuinfo")
	if s.CPU.Model == "" || !strings.Contains(string(cpuinfo), s.CPU.Model) {
		t.Errorf("model %q not in /proc/cpuinfo", s.CPU.Model)
	}
	if s.Memory.Total == 0 || s.Memory.Used+s.Memory.Free != s.Memory.Total {
		t.Errorf("memory %+v", s.Memory)
	}
	if s.Disk.Total == 0 || s.Disk.Free > s.Disk.Total {
		t.Errorf("disk %+v", s.Disk)
	}
	if s.OS.Platform != "linux" || s.OS.Family == "" || s.OS.Version == "" {
		t.Errorf("os %+v", s.OS)
	}
}
