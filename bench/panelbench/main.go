// Command panelbench is the panel benchmark of `make bench` (issue 2): on a real SQLite data
// folder seeded with 10,000 servers and 1,000 users it drives the real App (server.New) over
// loopback with a keep-alive load generator — GET /api/servers (random pages), GET /api/nodes,
// page 1 vs page 400, POST /oauth2/token — each against a bare gin handler answering the same
// bytes in the same run, then measures the idle RSS of the real `skypanel serve` binary on the
// same data. It prints a table and PASS/MISS per target; a miss never fails the run.
//
//	go run ./bench/panelbench -bin bin/skypanel
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

type options struct {
	users, servers int
	conns          int
	warmup         time.Duration
	duration       time.Duration // list and nodes runs
	flatDuration   time.Duration // page 1 / page 400 runs (sequential)
	tokenConns     int
	tokenDuration  time.Duration
	withNode       bool
	bin            string // skypanel binary for the RSS measurement ("" skips it)
	idle           time.Duration
	cpuprofile     string // CPU profile of the run named profileRun
	profileRun     string // servers, nodes or token
	keep           bool
	skipHTTP       bool // only seed and measure RSS
}

func main() {
	var o options
	flag.IntVar(&o.users, "users", 1000, "users to seed")
	flag.IntVar(&o.servers, "servers", 10000, "servers to seed (≤ 40000)")
	flag.IntVar(&o.conns, "conns", 16, "concurrent keep-alive connections")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "warm-up before each measured run")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured time of the list and nodes runs")
	flag.DurationVar(&o.flatDuration, "flat-duration", 3*time.Second, "measured time of each page-1/page-400 run")
	flag.IntVar(&o.tokenConns, "token-conns", 16, "connections of the token run")
	flag.DurationVar(&o.tokenDuration, "token-duration", 5*time.Second, "measured time of the token run")
	flag.BoolVar(&o.withNode, "node", true, "give the App the local node with a real daemon.Manager (false: nil Nodes)")
	flag.StringVar(&o.bin, "bin", "bin/skypanel", "skypanel binary for the idle RSS measurement (empty: skip)")
	flag.DurationVar(&o.idle, "idle", 2*time.Second, "idle time before reading RSS")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of one of our runs (loadgen goroutines are labelled role=loadgen: use pprof -tagignore role=loadgen)")
	flag.StringVar(&o.profileRun, "profile-run", "servers", "run the CPU profile covers: servers, nodes or token")
	flag.BoolVar(&o.keep, "keep", false, "keep the seeded data folder")
	flag.BoolVar(&o.skipHTTP, "skip-http", false, "skip the HTTP runs (seed, then RSS only)")
	flag.Parse()
	if o.servers < 400*25 || o.servers > 40000 || o.users < 1 || o.conns < 1 || o.tokenConns < 1 {
		fmt.Fprintln(os.Stderr, "panelbench: need 10000 ≤ -servers ≤ 40000 (page 400 must exist), -users ≥ 1, conns ≥ 1")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "panelbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "panelbench-*")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Println("data folder kept:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	rep := &report{w: os.Stdout}
	fmt.Printf("GOMAXPROCS=%d NumCPU=%d %s %s/%s, load average %s\n", runtime.GOMAXPROCS(0), runtime.NumCPU(),
		runtime.Version(), runtime.GOOS, runtime.GOARCH, loadAvg())
	p, err := openPanel(ctx, dir, o.withNode, errorLogger())
	if err != nil {
		return err
	}
	sd, err := seed(ctx, p.Store, p.OAuth, o.users, o.servers)
	if err != nil {
		p.Close()
		return err
	}
	fmt.Printf("seeded %d servers, %d users, 1 local node in %s (SQLite %s)\n", o.servers, o.users, sd.Took.Round(time.Millisecond), dir)
	p.serve(ctx)
	if o.withNode {
		fmt.Println("nodes: the local nodeapi.Service with a real daemon.Manager (host runtime, no instances) → status \"unknown\" via Manager.Status")
	} else {
		fmt.Println("nodes: no node → status \"unknown\" without asking a node")
	}
	form := tokenForm(sd.ClientID, sd.ClientSecret)
	if !o.skipHTTP {
		err = panelRuns(ctx, o, rep, p, form)
	}
	if cerr := p.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	rssRun(o, rep, dir, form)
	rep.verdicts()
	fmt.Printf("load average at the end: %s (other work on the machine skews req/s and latency; cpu/req less so)\n", loadAvg())
	return nil
}

// loadAvg is the 1, 5 and 15 minute load average of the machine.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// rssRun measures the real binary on the seeded folder (after the in-process App closed it):
// once as it is in the page cache (just built), once cold (its pages dropped first); the
// target is checked on the cold start.
func rssRun(o options, rep *report, dir, form string) {
	const name = "idle RSS of skypanel serve (cold) ≤ 40 MB"
	if o.bin == "" {
		rep.check(name, "skipped (no -bin)", false, false)
		return
	}
	fmt.Printf("\nidle RSS of `%s serve` on the seeded data (no containerd), after requests + %s idle\n", o.bin, o.idle)
	if _, err := rssOnce(o, dir, form, "binary as built (warm page cache)"); err != nil {
		fmt.Println("  failed:", err)
	}
	if err := dropPageCache(o.bin); err != nil {
		fmt.Println("  failed:", err)
		rep.check(name, "failed", false, false)
		return
	}
	mb, err := rssOnce(o, dir, form, "binary read from disk (cold start)")
	if err != nil {
		fmt.Println("  failed:", err)
		rep.check(name, "failed", false, false)
		return
	}
	rep.check(name, fmt.Sprintf("%.1f MB", mb), mb <= 40, true)
}

func rssOnce(o options, dir, form, label string) (float64, error) {
	res, err := measureRSS(o.bin, dir, form, o.idle)
	if err != nil {
		return 0, err
	}
	mb := func(b int64) float64 { return float64(b) / (1 << 20) }
	fmt.Printf("  %-36s VmRSS %5.1f MB = anon %4.1f + file %4.1f (VmHWM %.1f MB)\n", label+":",
		mb(res.RSS), mb(res.Anon), mb(res.File), mb(res.HWM))
	return mb(res.RSS), nil
}
