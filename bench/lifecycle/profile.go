package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// profileRun records the whole machine with `perf record -a` during one more run of server id
// (the console-throughput server) and returns where the CPU time went: the share of each
// command, then the hottest symbols of skypanel (self time). The real binary is profiled as
// it runs; nothing is rebuilt.
func profileRun(ctx context.Context, p *panel, id, runID string) (string, error) {
	comm := filepath.Base(p.cmd.Path)
	if len(comm) > 15 {
		comm = comm[:15] // the kernel's command name
	}
	if _, err := exec.LookPath("perf"); err != nil {
		return "", fmt.Errorf("perf is not installed (apt-get install linux-perf)")
	}
	data := filepath.Join(os.TempDir(), "skypanel-bench-"+runID+".perf")
	defer os.Remove(data)
	var out bytes.Buffer
	rec := exec.Command("perf", "record", "-a", "-F", "997", "-o", data)
	rec.Stdout, rec.Stderr = &out, &out
	if err := rec.Start(); err != nil {
		return "", err
	}
	time.Sleep(300 * time.Millisecond) // perf is set up
	_, _, err := runToExit(ctx, p, id, true)
	_ = rec.Process.Signal(os.Interrupt)
	werr := rec.Wait()
	if ws, ok := rec.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGINT {
		werr = nil // perf re-raises the SIGINT that ended the recording
	}
	if err == nil && werr != nil {
		err = fmt.Errorf("perf record: %w\n%s", werr, out.String())
	}
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("    CPU time by command (whole machine, during the run):\n")
	if err := perfTop(&b, data, 8, "--sort", "comm"); err != nil {
		return "", err
	}
	b.WriteString("    hottest symbols of " + comm + " (self, % of its samples):\n")
	if err := perfTop(&b, data, 15, "--comm", comm, "--sort", "symbol", "--percentage", "relative"); err != nil {
		return "", err
	}
	return b.String(), nil
}

// perfTop appends the first n sample lines of `perf report --stdio`.
func perfTop(b *strings.Builder, data string, n int, args ...string) error {
	cmd := exec.Command("perf", append([]string{"report", "-i", data, "--stdio", "--no-children"}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("perf report: %w", err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		t := strings.TrimSpace(l)
		if n == 0 || t == "" || t[0] < '0' || t[0] > '9' {
			continue
		}
		f := strings.Fields(t)
		if len(f) >= 3 && strings.HasPrefix(f[1], "[") {
			f = []string{f[0], f[2]} // percentage, symbol (drop [.]/[k] and the empty columns)
		}
		b.WriteString("      " + strings.Join(f, "  ") + "\n")
		n--
	}
	return nil
}

// cpuTime returns the user+system CPU time pid has used so far.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, s)
	}
	var ticks int64
	for _, x := range f[11:13] { // utime, stime (fields 14 and 15)
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / 100, nil // USER_HZ
}
