package daemon

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"regexp"
	"slices"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// Definition is the node's local copy of one server. The panel database is authoritative; the
// node keeps this copy (definition.json) so it can run servers without the panel.
type Definition struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Environment string            `json:"environment"`     // runtime.EnvDocker or runtime.EnvStandard
	Image       string            `json:"image,omitempty"` // OCI image (docker environment only)
	Startup     string            `json:"startup"`         // command with {{VAR}} placeholders
	Variables   map[string]string `json:"variables,omitempty"`
	Env         map[string]string `json:"env,omitempty"` // extra environment, not placeholders
	Limits      Limits            `json:"limits"`
	IP          string            `json:"ip,omitempty"`
	Port        int               `json:"port,omitempty"`
	// StopCommand is written to stdin (plus "\n") to stop the server; empty means StopSignal directly.
	StopCommand string `json:"stopCommand,omitempty"`
	// StopTimeout is how long a stop waits for the process to exit before escalating;
	// zero means Options.StopTimeout.
	StopTimeout Duration `json:"stopTimeout,omitempty"`
	// StopSignal is sent to stop the server when StopCommand is empty ("SIGTERM" when empty;
	// also SIGINT, SIGQUIT, SIGHUP).
	StopSignal string `json:"stopSignal,omitempty"`
	// Ready: console patterns; after a start the server reports StateStarting until a line
	// contains one (a "regex:" prefix makes it an RE2 expression), then StateRunning. None:
	// running once the process has started.
	Ready []string `json:"ready,omitempty"`
	// ConfigFiles are rewritten (created when missing) before every start; their values take
	// the placeholders of Startup.
	ConfigFiles []ConfigFile `json:"configFiles,omitempty"`
	AutoRestart bool         `json:"autoRestart,omitempty"`
	// Suspended: the server is stopped and stays stopped (start, restart and install refused
	// with ErrSuspended, never auto-restarted); an Update setting it stops a running server.
	Suspended bool `json:"suspended,omitempty"`
	// UID is the uid (and gid) the server's processes run as on this node: standard servers get
	// their own, allocated by the node when created (Options.StandardUIDs) and kept for as long
	// as the server exists. The node ignores it in Create and Update requests.
	UID uint32 `json:"uid,omitempty"`
	// Install holds the template's install steps; the daemon core stores it without reading it
	// (the installer of the templates work interprets it, see Manager.Install).
	Install json.RawMessage `json:"install,omitempty"`
}

// ConfigFile is one configuration file rewritten before every start (see the API's
// ConfigFile: parser properties, yaml, json, ini, xml or file; Set in order).
type ConfigFile struct {
	File   string      `json:"file"`
	Parser string      `json:"parser"`
	Set    []ConfigSet `json:"set"`
}

// ConfigSet is one key of a ConfigFile and its value (with placeholders).
type ConfigSet struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Limits are a server's resource limits; zero means "no limit" for every field.
type Limits struct {
	MemoryMiB  int64  `json:"memoryMiB,omitempty"`
	SwapMiB    int64  `json:"swapMiB,omitempty"` // -1 = unlimited
	CPUPercent int64  `json:"cpuPercent,omitempty"`
	IOWeight   uint16 `json:"ioWeight,omitempty"`
	Pids       int64  `json:"pids,omitempty"`
	DiskMiB    int64  `json:"diskMiB,omitempty"` // enforced by the file manager, not the runtime
}

// Runtime returns the limits the runtime enforces.
func (l Limits) Runtime() runtime.Limits {
	return runtime.Limits{
		MemoryMiB: l.MemoryMiB, SwapMiB: l.SwapMiB, CPUPercent: l.CPUPercent,
		IOWeight: l.IOWeight, Pids: l.Pids,
	}
}

// Duration is a time.Duration that reads and writes JSON as a Go duration string ("30s").
type Duration time.Duration

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON implements json.Unmarshaler; it accepts "30s" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var secs float64
	if err := json.Unmarshal(b, &secs); err == nil {
		*d = Duration(secs * float64(time.Second))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(v)
	return nil
}

// Bounds beyond which a value is absurd rather than generous (the runtime's, for limits).
const (
	maxMemoryMiB  = runtime.MaxMemoryMiB
	maxCPUPercent = runtime.MaxCPUPercent
	maxPids       = runtime.MaxPids
	maxStop       = 24 * time.Hour
)

var (
	idPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	varPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Clone returns a deep copy of d.
func (d Definition) Clone() Definition {
	d.Variables = maps.Clone(d.Variables)
	d.Env = maps.Clone(d.Env)
	d.Ready = slices.Clone(d.Ready)
	if d.ConfigFiles != nil {
		files := make([]ConfigFile, len(d.ConfigFiles))
		for i, f := range d.ConfigFiles {
			f.Set = slices.Clone(f.Set)
			files[i] = f
		}
		d.ConfigFiles = files
	}
	if d.Install != nil {
		d.Install = append(json.RawMessage(nil), d.Install...)
	}
	return d
}

// Validate checks d on its own (not whether its environment is available on this node) and
// that every placeholder in Startup and ConfigFiles is known; StopSignal, Ready and
// ConfigFiles too (see validateRun). Errors wrap ErrInvalidDefinition and name the field.
func (d Definition) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidDefinition, field, fmt.Sprintf(format, args...))
	}
	switch {
	case !idPattern.MatchString(d.ID):
		return bad("id", "%q must be 1-64 letters, digits, '-' or '_'", d.ID)
	case d.Environment != runtime.EnvDocker && d.Environment != runtime.EnvStandard:
		return bad("environment", "%q is neither %q nor %q", d.Environment, runtime.EnvDocker, runtime.EnvStandard)
	case d.Environment == runtime.EnvDocker && d.Image == "":
		return bad("image", "required for the docker environment")
	case d.Startup == "":
		return bad("startup", "required")
	case d.IP != "" && net.ParseIP(d.IP) == nil:
		return bad("ip", "%q is not an IP address", d.IP)
	case d.Port < 0 || d.Port > 65535:
		return bad("port", "%d is not a port number", d.Port)
	case d.StopTimeout < 0 || time.Duration(d.StopTimeout) > maxStop:
		return bad("stopTimeout", "%s is out of range (0 to %s)", time.Duration(d.StopTimeout), maxStop)
	}
	if err := d.Limits.validate(); err != nil {
		return err
	}
	if err := validateVars("variables", d.Variables); err != nil {
		return err
	}
	if err := validateVars("env", d.Env); err != nil {
		return err
	}
	if _, err := d.Command(); err != nil {
		return err
	}
	return d.validateRun()
}

func (l Limits) validate() error {
	bad := func(field string, v int64, rng string) error {
		return fmt.Errorf("%w: limits.%s: %d is out of range (%s)", ErrInvalidDefinition, field, v, rng)
	}
	switch {
	case l.MemoryMiB < 0 || l.MemoryMiB > maxMemoryMiB:
		return bad("memoryMiB", l.MemoryMiB, fmt.Sprintf("0 to %d", maxMemoryMiB))
	case l.SwapMiB < -1 || l.SwapMiB > maxMemoryMiB:
		return bad("swapMiB", l.SwapMiB, fmt.Sprintf("-1 to %d", maxMemoryMiB))
	case l.CPUPercent < 0 || l.CPUPercent > maxCPUPercent:
		return bad("cpuPercent", l.CPUPercent, fmt.Sprintf("0 to %d", maxCPUPercent))
	case l.IOWeight != 0 && (l.IOWeight < 10 || l.IOWeight > 1000):
		return bad("ioWeight", int64(l.IOWeight), "0 or 10 to 1000")
	case l.Pids < 0 || l.Pids > maxPids:
		return bad("pids", l.Pids, fmt.Sprintf("0 to %d", maxPids))
	case l.DiskMiB < 0:
		return bad("diskMiB", l.DiskMiB, "0 or more")
	}
	return nil
}

func validateVars(field string, vars map[string]string) error {
	for k, v := range vars {
		if !varPattern.MatchString(k) {
			return fmt.Errorf("%w: %s: name %q must be letters, digits and '_', not starting with a digit",
				ErrInvalidDefinition, field, k)
		}
		for _, c := range []byte(v) {
			if c == 0 {
				return fmt.Errorf("%w: %s.%s: value contains a NUL byte", ErrInvalidDefinition, field, k)
			}
		}
	}
	return nil
}
