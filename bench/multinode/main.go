// Command multinode is the benchmark of issue 12 ("Many machines"): the same measurements on
// a server of the panel's embedded local node and on a server of a remote node — a real
// `skypanel daemon` in its own network namespace (e2e/multinode/netlab), reached over a veth
// pair — in the same run, with the ratios against the targets:
//
//   - start → first console line (POST start until the line arrives on a WebSocket opened
//     before), remote/local ≤ 1.2;
//   - console lines/s through the panel's WebSocket to 100 sockets, remote ≥ 0.8× local;
//   - file download MB/s through the panel from the remote node, ≥ 0.8× a download straight
//     from the daemon (GET /v1/servers/{id}/files with a token the panel minted for the node).
//
// A miss is reported (MISS), never an error. Needs root (network namespaces); docker servers
// when SKYPANEL_TEST_CONTAINERD and SKYPANEL_TEST_IMAGE are set, standard servers otherwise.
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
	bin        string
	containerd string
	image      string
	starts     int
	sockets    int
	lines      int
	fileMiB    int
	downloads  int
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "bin/skypanel", "the skypanel binary")
	flag.StringVar(&o.containerd, "containerd", os.Getenv("SKYPANEL_TEST_CONTAINERD"), "containerd socket (empty: standard servers)")
	flag.StringVar(&o.image, "image", os.Getenv("SKYPANEL_TEST_IMAGE"), "test image in containerd namespace skypanel")
	flag.IntVar(&o.starts, "starts", 10, "measured starts per node (after one warm-up each)")
	flag.IntVar(&o.sockets, "sockets", 100, "WebSockets per server for the console throughput")
	flag.IntVar(&o.lines, "lines", 20000, "console lines of each throughput run")
	flag.IntVar(&o.fileMiB, "file-mib", 256, "size of the downloaded file")
	flag.IntVar(&o.downloads, "downloads", 5, "downloads per path (median)")
	flag.Parse()
	if os.Geteuid() != 0 {
		fmt.Println("not root: skipped (the remote node runs in its own network namespace)")
		return
	}
	if o.containerd == "" || o.image == "" {
		o.containerd, o.image = "", ""
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "multinode benchmark:", err)
		os.Exit(1)
	}
}

// run sets up the lab, measures, prints and cleans up.
func run(ctx context.Context, o options) (err error) {
	env, err := setup(ctx, o)
	if env != nil {
		defer func() {
			if cerr := env.close(); cerr != nil && err == nil {
				err = cerr
			}
		}()
	}
	if err != nil {
		return err
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("SkyPanel multi-node benchmark (issue 12): %s serve + daemon, %d CPUs, %s, %s servers, load average at start: %s\n",
		o.bin, runtime.NumCPU(), runtime.Version(), env.envType, strings.Join(strings.Fields(string(load))[:3], " "))
	fmt.Printf("local node: embedded in the panel; remote node: skypanel daemon in network namespace %s at %s\n",
		env.daemon.Node.Netns, env.daemon.Addr)
	r := &report{}

	fmt.Println("\nstart → first console line (WebSocket opened before POST start)")
	local, remote, err := benchStart(ctx, env, o.starts)
	if err != nil {
		return fmt.Errorf("start latency: %w", err)
	}
	r.start(local, remote)

	fmt.Printf("\nconsole lines/s through the panel's WebSocket to %d sockets (%d lines per run)\n", o.sockets, o.lines)
	lt, rt, err := benchSockets(ctx, env, o.sockets, o.lines)
	if err != nil {
		return fmt.Errorf("console throughput: %w", err)
	}
	r.sockets(lt, rt)

	fmt.Printf("\nfile download (%d MiB) from the remote node\n", o.fileMiB)
	viaPanel, direct, err := benchDownload(ctx, env, o.fileMiB, o.downloads)
	if err != nil {
		return fmt.Errorf("download: %w", err)
	}
	r.download(viaPanel, direct, o.fileMiB)
	r.verdicts()
	return nil
}

// deadline bounds each wait of the benchmark (a hang is an error, never a figure).
const deadline = 2 * time.Minute
