// Package containerd is the "docker" environment: one containerd container per server (in
// namespace "skypanel" by default), from an OCI image pulled when missing.
//
// The container runs `/bin/sh -c <Command>` in /home/container (or Spec.Mount), where the
// server's folder is bind-mounted, in its own network namespace on the node's SkyPanel bridge (CNI; only
// Spec.Ports are published, the node and other servers are unreachable: see
// runtime/internal/network), with Spec.Env added to the image's environment and the limits as
// cgroup resources (memory, memory+swap, CFS quota, blkio/io weight when the kernel's IO
// scheduler supports weights, pids; DefaultPidsLimit unless Limits.Pids is set). The spec is
// hardened as Docker's: containerd's default seccomp profile, no_new_privileges, Docker's
// default capabilities without NET_RAW, masked and read-only /proc paths.
//
// Console plumbing, made to survive daemon restarts (StateDir/<id>/ keeps the FIFOs):
//   - stdout and stderr go to the FIFO "output", which the containerd shim holds open; a daemon
//     (re)attaches by opening it for reading. While no daemon reads, up to the pipe buffer
//     (1 MiB) of output is kept, then the server's writes block until a daemon attaches again.
//   - stdin is the FIFO "stdin", bind-mounted at /run/skypanel/stdin and opened read-write by the
//     container's first process itself (`exec 0<>/run/skypanel/stdin`), so the server never
//     reads end-of-file when the daemon dies (containerd's own stdin FIFO closes the process's
//     stdin when its writer goes away). The daemon writes by opening the FIFO on the host.
//   - PID 1 is a tiny sh wrapper that runs the command as its child and exits with its status,
//     trapping TERM/INT/HUP/QUIT/USR1/USR2 (as PID 1 it would otherwise ignore them); Signal
//     sends to every process of the container (runc kill --all).
//
// OOM kills are read from the container's cgroup (memory.oom_control on v1, memory.events on
// v2) when the task exits, so containerd must run on the same machine (it always does: the
// socket is local).
package containerd

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/defaults"
	"github.com/containerd/containerd/v2/pkg/namespaces"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/internal/cgroup"
	"github.com/skypanel/skypanel/runtime/internal/network"
)

// Defaults of Options.
const (
	DefaultAddress   = "/run/containerd/containerd.sock"
	DefaultNamespace = "skypanel"
	DefaultRuntime   = "io.containerd.runc.v2"
	// PingTimeout bounds Available's version call.
	PingTimeout = 2 * time.Second
	// DefaultPidsLimit is the process limit of servers whose Limits.Pids is 0.
	DefaultPidsLimit = 512
)

// Options configure the containerd runtime.
type Options struct {
	// Address is containerd's socket (default DefaultAddress).
	Address string
	// Namespace is the containerd namespace (default DefaultNamespace).
	Namespace string
	// StateDir keeps one folder of FIFOs per server (required; must survive daemon restarts).
	StateDir string
	// Snapshotter for images and containers ("" = containerd's default, overlayfs).
	Snapshotter string
	// Runtime is the containerd runtime (default DefaultRuntime).
	Runtime string
	// User overrides the image's user ("uid", "uid:gid" or a name from the image's
	// /etc/passwd); "" keeps the image's.
	User string
	// Registry configures image pulls.
	Registry RegistryOptions
	// Network configures the servers' network namespaces.
	Network NetworkOptions
	// PidsLimit is the process limit of servers without their own (default DefaultPidsLimit;
	// -1 = unlimited).
	PidsLimit int64
	// Logger receives diagnostics (default slog.Default()).
	Logger *slog.Logger
}

// Runtime runs servers as containerd containers.
type Runtime struct {
	opts       Options
	log        *slog.Logger
	client     *client.Client
	ioWeightOK bool
	net        *network.Network
	resolver   *resolver

	mu      sync.Mutex
	samples map[string]cpuSample
}

var _ runtime.Runtime = (*Runtime)(nil)

// New connects lazily: it succeeds while containerd is down (Available tells why it cannot be
// used, and every call fails until it is up).
func New(_ context.Context, opts Options) (*Runtime, error) {
	if opts.StateDir == "" {
		return nil, fmt.Errorf("containerd runtime: %w: StateDir is required", runtime.ErrInvalidSpec)
	}
	if opts.Address == "" {
		opts.Address = DefaultAddress
	}
	if opts.Namespace == "" {
		opts.Namespace = DefaultNamespace
	}
	if opts.Runtime == "" {
		opts.Runtime = DefaultRuntime
	}
	if opts.Snapshotter == "" {
		opts.Snapshotter = defaults.DefaultSnapshotter
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.PidsLimit == 0 {
		opts.PidsLimit = DefaultPidsLimit
	}
	n, err := newNetwork(opts)
	if err != nil {
		return nil, err
	}
	res, err := opts.Registry.resolver()
	if err != nil {
		return nil, fmt.Errorf("containerd runtime: %w: %w", runtime.ErrInvalidSpec, err)
	}
	if err := os.MkdirAll(opts.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("containerd runtime: %w", err)
	}
	c, err := client.New(opts.Address, client.WithDefaultNamespace(opts.Namespace), client.WithTimeout(PingTimeout))
	if err != nil {
		return nil, fmt.Errorf("containerd runtime: %w: %w", runtime.ErrUnavailable, err)
	}
	r := &Runtime{
		opts:       opts,
		log:        opts.Logger.With("component", "runtime.containerd"),
		client:     c,
		ioWeightOK: cgroup.IOWeightSupported(),
		net:        n,
		resolver:   res,
		samples:    map[string]cpuSample{},
	}
	if !r.ioWeightOK {
		r.log.Info("IO weights are not enforced: the kernel's IO scheduler has no weights (blkio.weight / io.weight)")
	}
	return r, nil
}

// Close closes the connection to containerd (containers keep running).
func (r *Runtime) Close() error { return r.client.Close() }

// Client returns the containerd client (for tests and diagnostics).
func (r *Runtime) Client() *client.Client { return r.client }

// Environment returns runtime.EnvDocker.
func (r *Runtime) Environment() string { return runtime.EnvDocker }

// Available asks containerd for its version (within PingTimeout) and checks that servers
// can get their networks.
func (r *Runtime) Available(ctx context.Context) error {
	if err := r.net.Available(); err != nil {
		return fmt.Errorf("%w: %w", runtime.ErrUnavailable, err)
	}
	if path, ok := strings.CutPrefix(r.opts.Address, "unix://"); ok || strings.HasPrefix(path, "/") {
		if _, err := os.Stat(path); err != nil { // the client would wait PingTimeout for it
			return fmt.Errorf("%w: containerd socket: %w", runtime.ErrUnavailable, err)
		}
	}
	ctx, cancel := context.WithTimeout(r.ns(ctx), PingTimeout)
	defer cancel()
	if _, err := r.client.Version(ctx); err != nil {
		return fmt.Errorf("%w: containerd at %s: %w", runtime.ErrUnavailable, r.opts.Address, err)
	}
	return nil
}

// ns puts the runtime's namespace on ctx.
func (r *Runtime) ns(ctx context.Context) context.Context {
	return namespaces.WithNamespace(ctx, r.opts.Namespace)
}

// Owner is the numeric uid:gid processes run as when Options.User is numeric ("uid" or
// "uid:gid"): the daemon gives each server's folder to it. Otherwise (the image's own user, or
// a name) it reports root and the folder stays root's.
func (r *Runtime) Owner() (uid, gid uint32) {
	u, g, _ := strings.Cut(r.opts.User, ":")
	if u == "" {
		return 0, 0
	}
	uv, err := strconv.ParseUint(u, 10, 32)
	if err != nil {
		return 0, 0
	}
	gv := uv
	if g != "" {
		if gv, err = strconv.ParseUint(g, 10, 32); err != nil {
			return 0, 0
		}
	}
	return uint32(uv), uint32(gv)
}
