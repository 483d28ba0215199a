// Package host is the "standard" environment: each instance is a process group on the host,
// started as `/bin/sh -c <Command>` in the server's folder, never as root.
//
// Isolation (daemon running as root): each instance runs as the uid:gid of its Spec.User (the
// daemon allocates one per server; Options.UID/User is only the fallback for specs without
// one), with no supplementary groups, in a new session (setsid), with no_new_privs (no setuid
// binary can give it privileges back), and in its own cgroup: SIGKILL and Delete kill the whole
// cgroup, so a double-forked, setsid'ed grandchild does not survive its server. A daemon that
// is not root cannot do any of this: it refuses to create or start instances (ErrNotIsolated)
// unless Options.Mode is ModeUnisolated, which runs them as the daemon's own user.
//
// Everything a restarted daemon needs lives in StateDir/<id>/:
//
//	spec.json   the instance's runtime.Spec (limits as last updated)
//	stdin       a FIFO; the process holds it open read-write, so it never sees end-of-file
//	            when the daemon dies, and a restarted daemon just opens it again to write
//	output.log  stdout and stderr (O_APPEND); consoles follow it like `tail -f` from the
//	            position at attach time; consumed bytes are punched out of the file (it stays
//	            sparse, so its disk use is bounded while the reader keeps up)
//	pid         "<pid> <start time>" of the wrapper shell (the process group leader); the
//	            start time guards against pid reuse
//	exitcode    the command's exit code, written by the wrapper shell when the command ends
//
// The wrapper (`sh -c 'trap : TERM INT ...; /bin/sh -c "$1"; echo $? >&3'`) stays the group
// leader, survives the signals sent to the group and records the exit code, so Wait works for
// processes started by an earlier daemon (it polls a pidfd, as that daemon is no longer the
// parent). A wrapper killed by SIGKILL records nothing: the exit is then reported as 137.
//
// Limits: when a cgroup hierarchy is writable (v2 unified, or v1 controllers as on hybrid
// machines) each instance gets the cgroup CgroupParent/<id> with memory (and memory+swap),
// CPU quota, pids and IO weight (when the kernel's IO scheduler supports weights); its OOM kill
// counter gives ExitStatus.OOMKilled and its usage gives Stats. Otherwise (not root, read-only
// cgroupfs) nothing is enforced, Stats come from /proc (sum over the process group: RSS and
// utime+stime) and report MemoryLimit 0. Enforced reports which mode is in use.
package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/internal/cgroup"
)

// Defaults of Options.
const (
	DefaultUser         = "nobody"
	DefaultCgroupParent = "/skypanel-host"
	DefaultMaxLogBytes  = 8 << 20
	// DefaultPids is the pids limit of an instance whose Limits set none (a fork bomb stays
	// inside its cgroup), as Docker-style runtimes default to one.
	DefaultPids = 512
	// NoCgroups as Options.CgroupParent disables cgroups.
	NoCgroups = "-"
)

// Mode says whether and how standard servers may run (serve --standard-servers).
type Mode string

// Modes.
const (
	// ModeAdmin (the default): enabled, always isolated; refused when the daemon is not root.
	ModeAdmin Mode = "admin"
	// ModeOff: Create and Start refuse (ErrDisabled); running instances can still be stopped.
	ModeOff Mode = "off"
	// ModeUnisolated: as ModeAdmin when root; otherwise instances run as the daemon's own user,
	// without a cgroup (unsafe: they can read everything the daemon can).
	ModeUnisolated Mode = "unisolated"
)

// ParseMode checks a --standard-servers value ("" is ModeAdmin).
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case "":
		return ModeAdmin, nil
	case ModeAdmin, ModeOff, ModeUnisolated:
		return m, nil
	}
	return "", fmt.Errorf("%w: standard servers mode %q is none of admin, off, unisolated", runtime.ErrInvalidSpec, s)
}

// Options configure the host runtime.
type Options struct {
	// Mode enables standard servers and says whether they may run unisolated (default ModeAdmin).
	Mode Mode
	// StateDir holds one folder per instance (required; must survive daemon restarts).
	StateDir string
	// User names the account processes run as when the daemon runs as root (default
	// DefaultUser). Ignored when UID is set. When the daemon is not root, processes run as the
	// daemon's user.
	User string
	// UID and GID, when UID is non-zero, are used instead of looking up User. 0 (root) is
	// never used.
	UID, GID uint32
	// CgroupParent is the cgroup under which instances get theirs (default
	// DefaultCgroupParent; NoCgroups disables limits).
	CgroupParent string
	// DefaultPids is the pids limit of instances whose Limits.Pids is 0 (default DefaultPids;
	// negative: none).
	DefaultPids int64
	// MaxLogBytes is how much consumed output a console lets accumulate before punching it out
	// of output.log (default DefaultMaxLogBytes).
	MaxLogBytes int64
	// Logger receives diagnostics (default slog.Default()).
	Logger *slog.Logger
}

// Runtime runs instances as host process groups.
type Runtime struct {
	opts     Options
	log      *slog.Logger
	uid, gid uint32
	asRoot   bool
	cgroups  bool   // limits enforced through cgroups
	noCgroup string // why not

	mu    sync.Mutex
	procs map[string]*proc
}

var _ runtime.Runtime = (*Runtime)(nil)

// New prepares the runtime (it starts nothing).
func New(opts Options) (*Runtime, error) {
	if opts.StateDir == "" {
		return nil, fmt.Errorf("host runtime: %w: StateDir is required", runtime.ErrInvalidSpec)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.CgroupParent == "" {
		opts.CgroupParent = DefaultCgroupParent
	}
	if opts.MaxLogBytes <= 0 {
		opts.MaxLogBytes = DefaultMaxLogBytes
	}
	if opts.DefaultPids == 0 {
		opts.DefaultPids = DefaultPids
	}
	mode, err := ParseMode(string(opts.Mode))
	if err != nil {
		return nil, err
	}
	opts.Mode = mode
	if err := os.MkdirAll(opts.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("host runtime: %w", err)
	}
	r := &Runtime{opts: opts, log: opts.Logger.With("component", "runtime.host"), procs: map[string]*proc{}}
	r.asRoot = os.Geteuid() == 0
	if r.asRoot {
		if err := r.resolveUser(); err != nil {
			return nil, err
		}
	} else {
		r.uid, r.gid = uint32(os.Geteuid()), uint32(os.Getegid())
	}
	r.cgroups, r.noCgroup = r.probeCgroups()
	r.log.Info("host runtime ready", "mode", opts.Mode, "default_uid", r.uid, "gid", r.gid,
		"limits", r.cgroups, "why_not", r.noCgroup)
	if err := r.Refusal(); err != nil {
		r.log.Warn("standard servers cannot run", "reason", err)
	}
	return r, nil
}

func (r *Runtime) resolveUser() error {
	if r.opts.UID != 0 {
		r.uid, r.gid = r.opts.UID, r.opts.GID
		return nil
	}
	name := r.opts.User
	if name == "" {
		name = DefaultUser
	}
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("host runtime: user %q for server processes: %w", name, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("host runtime: user %q: %w", name, err)
	}
	if uid == 0 {
		return fmt.Errorf("host runtime: %w: user %q is root; server processes never run as root", runtime.ErrInvalidSpec, name)
	}
	r.uid, r.gid = uint32(uid), uint32(gid)
	return nil
}

// probeCgroups checks that a cgroup can be created under the parent.
func (r *Runtime) probeCgroups() (bool, string) {
	if r.opts.CgroupParent == NoCgroups {
		return false, "disabled by configuration"
	}
	if !r.asRoot {
		return false, "the daemon is not root"
	}
	probe := fmt.Sprintf(".probe-%d-%d", os.Getpid(), time.Now().UnixNano())
	g, err := cgroup.Create(filepath.Join(r.opts.CgroupParent, probe), runtime.Limits{MemoryMiB: 64})
	if err != nil {
		return false, err.Error()
	}
	if err := g.Delete(); err != nil {
		return false, err.Error()
	}
	return true, ""
}

// Environment returns runtime.EnvStandard.
func (r *Runtime) Environment() string { return runtime.EnvStandard }

// Refusal says why this node refuses to start instances (ErrDisabled, ErrNotIsolated), or
// returns nil. The daemon refuses to create standard servers for the same reason.
func (r *Runtime) Refusal() error {
	switch {
	case r.opts.Mode == ModeOff:
		return ErrDisabled
	case !r.asRoot && r.opts.Mode != ModeUnisolated:
		return ErrNotIsolated
	}
	return nil
}

// refuse wraps Refusal for Start (nil when allowed). Create does not refuse: a daemon must
// still be able to recreate the instances of existing servers, so they can be listed, edited
// and deleted.
func (r *Runtime) refuse(id string) error {
	if err := r.Refusal(); err != nil {
		return fmt.Errorf("%w: %s: %w", runtime.ErrInvalidSpec, id, err)
	}
	return nil
}

// Available checks the mode (off, or not root without unisolated, is unavailable), that
// /bin/sh exists and that the state folder is writable.
func (r *Runtime) Available(context.Context) error {
	if err := r.Refusal(); err != nil {
		return fmt.Errorf("%w: %w", runtime.ErrUnavailable, err)
	}
	if _, err := os.Stat("/bin/sh"); err != nil {
		return fmt.Errorf("%w: %w", runtime.ErrUnavailable, err)
	}
	f, err := os.CreateTemp(r.opts.StateDir, ".probe")
	if err != nil {
		return fmt.Errorf("%w: state folder: %w", runtime.ErrUnavailable, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// Enforced reports whether limits are enforced through cgroups, and why not.
func (r *Runtime) Enforced() (bool, string) { return r.cgroups, r.noCgroup }

// Owner returns the uid and gid server processes run as when their Spec has no User (and
// always when the daemon is not root); data folders must be writable by them.
func (r *Runtime) Owner() (uid, gid uint32) { return r.uid, r.gid }

// Isolated reports whether instances run as their Spec.User (the daemon is root).
func (r *Runtime) Isolated() bool { return r.asRoot }

// userOf returns the uid and gid the instance's processes run as.
func (r *Runtime) userOf(spec runtime.Spec) (uid, gid uint32, err error) {
	if !r.asRoot || spec.User == nil {
		return r.uid, r.gid, nil
	}
	if spec.User.UID == 0 || spec.User.GID == 0 {
		return 0, 0, fmt.Errorf("%w: %s: server processes never run as root (user %d:%d)",
			runtime.ErrInvalidSpec, spec.ID, spec.User.UID, spec.User.GID)
	}
	return spec.User.UID, spec.User.GID, nil
}

func (r *Runtime) dir(id string) string { return filepath.Join(r.opts.StateDir, id) }

func (r *Runtime) cgroupPath(id string) string { return filepath.Join(r.opts.CgroupParent, id) }

// enforced returns the limits the cgroup gets: l with the default pids limit when it sets none.
func (r *Runtime) enforced(l runtime.Limits) runtime.Limits {
	if l.Pids == 0 && r.opts.DefaultPids > 0 {
		l.Pids = r.opts.DefaultPids
	}
	return l
}
