// Command lifecycle is the game-server lifecycle benchmark of `make bench` (issue 3). It runs
// the real `skypanel serve` binary on fresh data folders and measures, each against a baseline
// taken in the same run:
//
//  1. start latency: POST start → first console line (GET console polled every millisecond) of
//     a server running `echo ready`, vs the wall time of `ctr run --rm` of the same image and
//     command (docker; target ratio ≤ 1.3); the docker server runs in its own network namespace
//     on the CNI bridge (created with the server, kept across starts), `ctr run` on the host
//     network; the standard environment vs `sh -c` is informational;
//  2. console throughput: a server printing N 64-byte lines as fast as it can (yes | head),
//     lines/s into the console ring vs the same command with its output to /dev/null, in the
//     same environment (target ≥ 0.8), with a perf profile of where the time goes;
//  3. daemon memory per idle running server: RSS growth of `skypanel serve` / N for N idle
//     busybox servers (target ≤ 2 MB per server).
//
// Needs root; the docker parts need SKYPANEL_TEST_CONTAINERD and SKYPANEL_TEST_IMAGE (see
// scripts/containerd-test-env.sh), and skip without them. It prints the figures and PASS/MISS
// per target; a miss never fails the run.
//
//	go run ./bench/lifecycle -bin bin/skypanel
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

type options struct {
	bin        string
	containerd string
	image      string
	n          int
	lines      int
	rounds     int
	servers    int
	settle     time.Duration
	profile    bool
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "", "skypanel binary (default: go build ./cmd/skypanel into a temporary folder)")
	flag.StringVar(&o.containerd, "containerd", os.Getenv("SKYPANEL_TEST_CONTAINERD"), "containerd socket; empty skips the docker parts [$SKYPANEL_TEST_CONTAINERD]")
	flag.StringVar(&o.image, "image", envOr("SKYPANEL_TEST_IMAGE", "docker.io/skypanel/busybox:test"), "busybox image in containerd namespace skypanel [$SKYPANEL_TEST_IMAGE]")
	flag.IntVar(&o.n, "n", 10, "start-latency samples per side")
	flag.IntVar(&o.lines, "lines", 2000000, "lines printed by the throughput server")
	flag.IntVar(&o.rounds, "rounds", 3, "throughput runs per side (median)")
	flag.IntVar(&o.servers, "servers", 20, "idle servers of the memory benchmark")
	flag.DurationVar(&o.settle, "settle", 3*time.Second, "wait before reading the RSS")
	flag.BoolVar(&o.profile, "profile", true, "profile one more throughput run with perf (where the time goes)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "lifecycle:", err)
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, o options) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("needs root (containerd, cgroups, unprivileged server users)")
	}
	if o.bin == "" {
		dir, err := os.MkdirTemp("", "skypanel-bench-bin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.bin = filepath.Join(dir, "skypanel")
		if out, err := exec.Command("go", "build", "-o", o.bin, "./cmd/skypanel").CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./cmd/skypanel (run from the module root): %w\n%s", err, out)
		}
	}
	runID := randomID(6)
	ns := "skypanel-bench-" + runID
	var c *ctrd
	if o.containerd != "" {
		var err error
		if c, err = setupContainerd(o.containerd, o.image, ns); err != nil {
			return err
		}
		defer c.teardown()
	} else {
		o.containerd = "/nonexistent/containerd.sock"
	}
	r := newReport(o, c)
	r.header()
	if err := runLatencyAndThroughput(ctx, o, c, r, runID, ns); err != nil {
		return err
	}
	for _, env := range r.envs() {
		m, err := benchMemory(ctx, o, c, env, runID)
		if err != nil {
			return fmt.Errorf("memory (%s): %w", env, err)
		}
		r.memory(m)
	}
	r.verdicts()
	return nil
}

// runLatencyAndThroughput runs benchmarks 1 and 2 on one panel.
func runLatencyAndThroughput(ctx context.Context, o options, c *ctrd, r *report, runID, ns string) error {
	p, err := startPanel(ctx, o.bin, o.containerd, ns)
	if err != nil {
		return err
	}
	defer p.close(ctx)
	image := ""
	if c != nil {
		image = c.image
	}
	r.section("1. start latency: POST start → first console line (`echo ready`), median of %d, baseline in the same run", o.n)
	for _, env := range r.envs() {
		s, err := benchStart(ctx, p, c, env, runID, o.n)
		if err != nil {
			return fmt.Errorf("start latency (%s): %w", env, err)
		}
		r.start(s)
	}
	r.section("2. console throughput: %d lines of %d bytes (yes | head -n), median of %d, interleaved", o.lines, len(line)+1, o.rounds)
	for _, env := range r.envs() {
		t, err := benchThroughput(ctx, p, image, env, runID, o.lines, o.rounds, o.profile)
		if err != nil {
			return fmt.Errorf("throughput (%s): %w", env, err)
		}
		r.throughput(t)
	}
	r.section("3. daemon memory per idle running server: RSS of a fresh skypanel serve before and after starting %d servers", o.servers)
	return nil
}

// randomID returns n random lower-case letters and digits.
func randomID(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
