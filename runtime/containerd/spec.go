package containerd

import (
	"context"
	"path/filepath"
	"sort"

	"github.com/containerd/containerd/v2/contrib/seccomp"
	"github.com/containerd/containerd/v2/core/containers"
	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/internal/cgroup"
	"github.com/skypanel/skypanel/runtime/internal/network"
)

// Paths inside the container.
const (
	// WorkDir is where the server folder is mounted and the command starts unless the spec
	// sets another runtime.Spec.Mount.
	WorkDir       = runtime.DefaultMount
	containerFIFO = "/run/skypanel/stdin"
)

// wrapper is PID 1: it takes stdin from the bind-mounted FIFO (read-write: never end-of-file),
// merges stderr into stdout, and runs the command ($1) as a child so that the signals PID 1
// would ignore reach it (Signal sends to every process; the traps keep PID 1 alive until the
// command has exited, then it exits with the command's status).
const wrapper = `exec 0<>` + containerFIFO + ` 2>&1; trap : TERM INT HUP QUIT USR1 USR2; /bin/sh -c "$1"; exit $?`

// specOpts builds the OCI spec of a server's container: containerd's default spec (Docker's
// capabilities, masked and read-only /proc and /sys paths, its own PID, IPC, UTS and mount
// namespaces) joined to the server's network namespace, hardened (see harden). The server
// folder is bind-mounted at spec.MountPoint(), the working directory (runc creates the mount
// point when the image lacks it).
func (r *Runtime) specOpts(img oci.Image, spec runtime.Spec, stdinPath string) []oci.SpecOpts {
	dir := r.stateDir(spec.ID)
	ro := []string{"rbind", "ro"}
	mount := spec.MountPoint()
	opts := []oci.SpecOpts{
		oci.WithImageConfig(img),
		oci.WithProcessArgs("/bin/sh", "-c", wrapper, "sh", spec.Command),
		oci.WithProcessCwd(mount),
		oci.WithEnv(envList(spec.Env)),
		oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: network.NetnsPath(dir)}),
		oci.WithHostname(spec.ID),
		oci.WithMounts([]specs.Mount{
			{Destination: mount, Type: "bind", Source: spec.Dir, Options: []string{"rbind", "rw"}},
			{Destination: containerFIFO, Type: "bind", Source: stdinPath, Options: []string{"bind", "rw"}},
			{Destination: "/etc/resolv.conf", Type: "bind", Source: filepath.Join(dir, resolvName), Options: ro},
			{Destination: "/etc/hosts", Type: "bind", Source: filepath.Join(dir, hostsName), Options: ro},
		}),
		r.withLimits(spec.Limits),
	}
	if r.opts.User != "" {
		opts = append(opts, oci.WithUser(r.opts.User))
	}
	if spec.User != nil {
		opts = append(opts, oci.WithUIDGID(spec.User.UID, spec.User.GID))
	}
	return append(opts, harden()...)
}

// harden is what Docker does on top of containerd's default spec, and more: the default
// seccomp profile, no_new_privileges and no NET_RAW (no raw sockets: no spoofed packets).
// It comes last so that nothing above widens it (the seccomp profile follows the final
// capabilities).
func harden() []oci.SpecOpts {
	return []oci.SpecOpts{
		oci.WithNoNewPrivileges,
		oci.WithDroppedCapabilities([]string{"CAP_NET_RAW"}),
		seccomp.WithDefaultProfile(),
	}
}

// withLimits sets the cgroup resources.
func (r *Runtime) withLimits(l runtime.Limits) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
		if s.Linux == nil {
			s.Linux = &specs.Linux{}
		}
		s.Linux.Resources = r.resources(l, s.Linux.Resources)
		return nil
	}
}

// resources converts limits into cgroup resources, merged into base (device rules and the
// like stay). Unlimited values are explicit (-1), so an update also lifts a limit.
func (r *Runtime) resources(l runtime.Limits, base *specs.LinuxResources) *specs.LinuxResources {
	res := &specs.LinuxResources{}
	if base != nil {
		res = base
	}
	mem, swap := int64(-1), int64(-1)
	if l.MemoryMiB > 0 {
		mem = l.MemoryMiB << 20
		if l.SwapMiB >= 0 {
			swap = (l.MemoryMiB + l.SwapMiB) << 20
		}
	}
	res.Memory = &specs.LinuxMemory{Limit: &mem, Swap: &swap}
	quota, period := int64(-1), uint64(cgroup.CPUPeriod)
	if l.CPUPercent > 0 {
		quota = l.CPUPercent * cgroup.CPUPeriod / 100
	}
	res.CPU = &specs.LinuxCPU{Quota: &quota, Period: &period}
	pids := r.opts.PidsLimit
	if l.Pids > 0 {
		pids = l.Pids
	}
	res.Pids = &specs.LinuxPids{Limit: &pids}
	res.BlockIO = nil
	if l.IOWeight > 0 && r.ioWeightOK {
		w := l.IOWeight
		res.BlockIO = &specs.LinuxBlockIO{Weight: &w}
	}
	return res
}

// envList turns the environment map into sorted KEY=value entries.
func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// stateDir is the FIFO folder of server id.
func (r *Runtime) stateDir(id string) string { return filepath.Join(r.opts.StateDir, id) }
