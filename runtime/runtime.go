// Package runtime defines the lifecycle interface the daemon uses to run one game server
// instance, whatever runs it: a containerd container ("docker" environment, runtime/containerd)
// or a host process group ("standard" environment, runtime/host). runtime/fake is an in-memory
// implementation for unit tests of the daemon. All three pass the same contract test
// (runtime/runtimetest).
package runtime

import (
	"context"
	"io"
	"syscall"
	"time"
)

// Environment names, as the API reports them in features and accepts in environmentType.
const (
	EnvDocker   = "docker"
	EnvStandard = "standard"
)

// Limits are the resource limits of one instance. Zero means "no limit" for every field.
type Limits struct {
	MemoryMiB  int64  // hard memory limit
	SwapMiB    int64  // extra swap on top of memory (0 = none, -1 = unlimited)
	CPUPercent int64  // 100 = one core (CFS quota); 0 = unlimited
	IOWeight   uint16 // 10..1000 (cgroup v2 io.weight, blkio weight on v1); 0 = default
	Pids       int64  // max processes; 0 = runtime default
}

// Spec describes an instance to create.
type Spec struct {
	ID      string            // server id; unique per runtime
	Image   string            // OCI image reference (containerd only)
	Command string            // startup command after {{VAR}} substitution; run via /bin/sh -c
	Env     map[string]string // environment (server variables plus STARTUP, SERVER_MEMORY, ...)
	Dir     string            // host folder with the server's data (bind-mounted at /home/container)
	// Mount is where Dir is mounted in a container, also its working directory ("" =
	// /home/container). The host runtime runs in Dir itself and refuses any other Mount.
	Mount  string
	Limits Limits
	// User is the uid:gid the instance's processes run as; nil = the runtime's default.
	User *User
	// Network: the ports published for the instance (TCP and UDP) on IP ("" = every address of
	// the node). The host runtime ignores them (host processes bind what they like).
	IP    string
	Ports []int
}

// User is a numeric uid:gid.
type User struct {
	UID, GID uint32
}

// State is what the runtime knows about an instance.
type State string

// The states of an instance.
const (
	StateAbsent  State = "absent"  // never created or deleted
	StateCreated State = "created" // created, no process running
	StateRunning State = "running" // process running
)

// ExitStatus reports how a process ended.
type ExitStatus struct {
	Code      int       // exit code; 128+signal when killed by a signal
	OOMKilled bool      // the kernel's OOM killer ended it (memory limit)
	At        time.Time // when it exited
}

// Stats is a point-in-time resource sample.
type Stats struct {
	CPUPercent  float64 // since the previous sample; 100 = one core busy
	MemoryBytes uint64  // usage excluding page cache (usage - inactive_file)
	MemoryLimit uint64  // the enforced limit in bytes (0 = none)
}

// Console is the attached stdin/stdout of a running instance. Output carries stdout and stderr
// merged; it ends with io.EOF once the process has exited and everything was read, or after
// Close. Writes to Stdin fail (instead of blocking for ever) when the process stops reading.
// Keep one console per instance open at a time: two readers would split the output. Close
// detaches without stopping the process.
type Console interface {
	Output() io.Reader
	Stdin() io.Writer
	Close() error
}

// Runtime runs instances. Every method is safe for concurrent use on different ids; the daemon
// serialises calls for one id. Errors wrap the sentinels in errors.go.
type Runtime interface {
	// Environment returns EnvDocker or EnvStandard.
	Environment() string
	// Available reports why the runtime cannot be used (nil when it can).
	Available(ctx context.Context) error
	// Create prepares an instance (image pulled, container/folder set up). ErrExists if present.
	Create(ctx context.Context, spec Spec) error
	// Start starts the process of a created, not running instance and returns its console.
	Start(ctx context.Context, id string) (Console, error)
	// Attach re-attaches to the console of a running instance (e.g. after a daemon restart).
	// ErrNotRunning when no process runs.
	Attach(ctx context.Context, id string) (Console, error)
	// Wait returns a channel that receives the exit status once when the current process ends
	// (at once if it already ended and was not started again). It works for processes started
	// by Start and for those found again by Attach. The wait is bound to ctx: if ctx ends first
	// the channel is closed without a value. ErrNotRunning if the instance never ran.
	Wait(ctx context.Context, id string) (<-chan ExitStatus, error)
	// Signal sends a signal to the whole process (group). ErrNotRunning when none runs.
	Signal(ctx context.Context, id string, sig syscall.Signal) error
	// State reports the instance's state.
	State(ctx context.Context, id string) (State, error)
	// Stats samples resource usage of the running process (CPUPercent is 0 on the first
	// sample of a process: it is measured between samples).
	Stats(ctx context.Context, id string) (Stats, error)
	// Update changes the limits; applied live when running where possible, else at next Start.
	Update(ctx context.Context, id string, limits Limits) error
	// Delete removes the instance (killing a running process first). Never touches Spec.Dir.
	// Deleting an absent instance is not an error.
	Delete(ctx context.Context, id string) error
}
