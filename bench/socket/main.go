// Command socket is the WebSocket benchmark of `make bench` (issue 6). A child process runs
// the real panel with its embedded local node (daemon.Manager, host runtime); its one server
// runs a game printing -rate lines per second, each stamped with the time it was written.
// This process opens -sockets sockets on that server and measures, over -duration after a
// warm-up: lines delivered per second and per socket, the share of the emitted lines each
// socket received, the delay from written to received (p50/p99), and the child's RSS (every
// second: flat or growing) and CPU. It runs the same with one stalled socket (small receive
// buffer, never read) among them, and a baseline in the same run: a bare coder/websocket
// broadcast server generating the same lines in process. It prints a table and PASS/MISS per
// target; a miss never fails the run.
//
//	go run ./bench/socket -duration 20s
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"
)

type options struct {
	sockets          int
	rate, bytes      int
	warmup           time.Duration
	duration         time.Duration
	baselineDuration time.Duration // 0 skips the baseline
	stall            bool
	cpuprofile       string
	clientProfile    string
	client           string
	flush            time.Duration
}

func main() {
	if len(os.Args) > 1 {
		var err error
		switch os.Args[1] {
		case "emit":
			err = emit(os.Args[2:])
		case "serve":
			err = serve(os.Args[2:])
		case "bare":
			err = bare(os.Args[2:])
		default:
			goto bench
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "socket %s: %v\n", os.Args[1], err)
			os.Exit(1)
		}
		return
	}
bench:
	var o options
	flag.IntVar(&o.sockets, "sockets", 100, "subscribed sockets (besides the stalled one)")
	flag.IntVar(&o.rate, "rate", 50000, "lines per second the game prints")
	flag.IntVar(&o.bytes, "bytes", 100, "length of a game line")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "time before the measured window")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "measured window of each SkyPanel run")
	flag.DurationVar(&o.baselineDuration, "baseline-duration", 10*time.Second, "measured window of the baseline (0: skip)")
	flag.BoolVar(&o.stall, "stall", true, "also run with one stalled socket")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "CPU profile of the panel process of the first run")
	flag.StringVar(&o.client, "client", "coder", "client sockets: coder (github.com/coder/websocket), raw (a minimal RFC 6455 reader, cheaper) or both")
	flag.DurationVar(&o.flush, "flush-interval", 0, "the panel's SocketOptions.FlushInterval (0: its default)")
	flag.StringVar(&o.clientProfile, "client-cpuprofile", "", "CPU profile of this (client) process")
	flag.Parse()
	if o.clientProfile != "" {
		f, err := os.Create(o.clientProfile)
		if err == nil {
			_ = pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "socket:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	dir, err := os.MkdirTemp("", "socketbench-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	exe, err := installSelf(dir)
	if err != nil {
		return err
	}
	fmt.Printf("SkyPanel socket benchmark: %d sockets, a game printing %d lines/s of ~%d bytes, %s measured after %s; %d CPUs, %s\n",
		o.sockets, o.rate, o.bytes, o.duration, o.warmup, runtime.NumCPU(), runtime.Version())
	fmt.Println("Clients and panel share the machine; \"daemon\" is the panel+node process (the game is a separate process).")
	var results []*result
	var sc []scenario
	for _, client := range clientsOf(o.client) {
		suffix := ""
		if client == "raw" {
			suffix = " (raw client)"
		}
		sc = append(sc, scenario{name: "skypanel" + suffix, kind: "serve", duration: o.duration, profile: o.cpuprofile, client: client})
		if o.stall {
			sc = append(sc, scenario{name: "skypanel, 1 stalled" + suffix, kind: "serve", duration: o.duration, stalled: true, client: client})
		}
		if o.baselineDuration > 0 {
			sc = append(sc, scenario{name: "bare baseline" + suffix, kind: "bare", duration: o.baselineDuration, client: client})
		}
		o.cpuprofile = ""
	}
	for _, s := range sc {
		r, err := s.run(o, dir, exe)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		results = append(results, r)
	}
	report(os.Stdout, o, results)
	return nil
}

func clientsOf(s string) []string {
	if s == "both" {
		return []string{"coder", "raw"}
	}
	return []string{s}
}

// installSelf copies this binary where the game's unprivileged user can run it.
func installSelf(dir string) (string, error) {
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if d == filepath.Clean(os.TempDir()) {
			break
		}
		if err := os.Chmod(d, 0o755); err != nil {
			return "", err
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	in, err := os.Open(self)
	if err != nil {
		return "", err
	}
	defer in.Close()
	exe := filepath.Join(dir, "socketbench")
	out, err := os.OpenFile(exe, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return "", err
	}
	return exe, out.Close()
}
