package nodeapi

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/backup"
	"github.com/skypanel/skypanel/daemon/files"
	"github.com/skypanel/skypanel/daemon/sysinfo"
	"github.com/skypanel/skypanel/gen/daemonapi"
	rt "github.com/skypanel/skypanel/runtime"
)

// DefinitionFromAPI converts a wire definition to the daemon's. BackupCommands are not part of
// daemon.Definition: BackupCommandsFromAPI converts them. A value the daemon cannot hold (an
// install plan that is not JSON, an ioWeight beyond uint16) is daemon.ErrInvalidDefinition.
func DefinitionFromAPI(d daemonapi.Definition) (daemon.Definition, error) {
	out := daemon.Definition{
		ID: d.Id, Name: d.Name, Environment: string(d.Environment), Startup: d.Startup,
		Image: deref(d.Image), IP: deref(d.Ip), Port: deref(d.Port), StopCommand: deref(d.StopCommand),
		StopTimeout: daemon.Duration(time.Duration(deref(d.StopTimeoutMs)) * time.Millisecond),
		AutoRestart: deref(d.AutoRestart), Suspended: deref(d.Suspended),
		StopSignal: string(deref(d.StopSignal)), ConfigFiles: configFilesFromAPI(d.ConfigFiles),
	}
	if d.Ready != nil {
		out.Ready = *d.Ready
	}
	if d.Variables != nil {
		out.Variables = *d.Variables
	}
	if d.Env != nil {
		out.Env = *d.Env
	}
	l, err := limitsFromAPI(d.Limits)
	if err != nil {
		return daemon.Definition{}, err
	}
	out.Limits = l
	if d.Install != nil {
		raw, err := json.Marshal(*d.Install)
		if err != nil {
			return daemon.Definition{}, fmt.Errorf("%w: install: %w", daemon.ErrInvalidDefinition, err)
		}
		out.Install = raw
	}
	return out, nil
}

// DefinitionToAPI converts the daemon's definition (and the server's backup commands, when
// any) to the wire form. The node-assigned UID is not part of it.
func DefinitionToAPI(d daemon.Definition, cmds *backup.Commands) (daemonapi.Definition, error) {
	out := daemonapi.Definition{
		Id: d.ID, Name: d.Name, Environment: daemonapi.Environment(d.Environment), Startup: d.Startup,
		Image: ptrIf(d.Image), Ip: ptrIf(d.IP), Port: ptrIf(d.Port), StopCommand: ptrIf(d.StopCommand),
		StopTimeoutMs: ptrIf(time.Duration(d.StopTimeout).Milliseconds()), AutoRestart: ptrIf(d.AutoRestart),
		Suspended: ptrIf(d.Suspended), Limits: limitsToAPI(d.Limits),
		StopSignal: ptrIf(daemonapi.DefinitionStopSignal(d.StopSignal)), ConfigFiles: configFilesToAPI(d.ConfigFiles),
	}
	if len(d.Ready) > 0 {
		out.Ready = &d.Ready
	}
	if len(d.Variables) > 0 {
		out.Variables = &d.Variables
	}
	if len(d.Env) > 0 {
		out.Env = &d.Env
	}
	if len(d.Install) > 0 {
		var plan map[string]any
		if err := json.Unmarshal(d.Install, &plan); err != nil {
			return daemonapi.Definition{}, fmt.Errorf("%w: install: not a JSON object: %w", daemon.ErrInvalidDefinition, err)
		}
		out.Install = &plan
	}
	if cmds != nil {
		c := BackupCommandsToAPI(*cmds)
		out.BackupCommands = &c
	}
	return out, nil
}

// apiConfigSet is the element type of daemonapi.ConfigFile.Set (an inline schema).
type apiConfigSet = struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func configFilesFromAPI(fs *[]daemonapi.ConfigFile) []daemon.ConfigFile {
	if fs == nil {
		return nil
	}
	out := make([]daemon.ConfigFile, len(*fs))
	for i, f := range *fs {
		set := make([]daemon.ConfigSet, len(f.Set))
		for j, s := range f.Set {
			set[j] = daemon.ConfigSet(s)
		}
		out[i] = daemon.ConfigFile{File: f.File, Parser: string(f.Parser), Set: set}
	}
	return out
}

func configFilesToAPI(fs []daemon.ConfigFile) *[]daemonapi.ConfigFile {
	if len(fs) == 0 {
		return nil
	}
	out := make([]daemonapi.ConfigFile, len(fs))
	for i, f := range fs {
		set := make([]apiConfigSet, len(f.Set))
		for j, s := range f.Set {
			set[j] = apiConfigSet(s)
		}
		out[i] = daemonapi.ConfigFile{File: f.File, Parser: daemonapi.ConfigFileParser(f.Parser), Set: set}
	}
	return &out
}

func limitsFromAPI(l daemonapi.Limits) (daemon.Limits, error) {
	io := deref(l.IoWeight)
	if io < 0 || io > math.MaxUint16 {
		return daemon.Limits{}, fmt.Errorf("%w: limits.ioWeight: %d is out of range (0 or 10 to 1000)", daemon.ErrInvalidDefinition, io)
	}
	return daemon.Limits{
		MemoryMiB: deref(l.MemoryMiB), SwapMiB: deref(l.SwapMiB), CPUPercent: deref(l.CpuPercent),
		IOWeight: uint16(io), Pids: deref(l.Pids), DiskMiB: deref(l.DiskMiB),
	}, nil
}

func limitsToAPI(l daemon.Limits) daemonapi.Limits {
	return daemonapi.Limits{
		MemoryMiB: ptrIf(l.MemoryMiB), SwapMiB: ptrIf(l.SwapMiB), CpuPercent: ptrIf(l.CPUPercent),
		IoWeight: ptrIf(int(l.IOWeight)), Pids: ptrIf(l.Pids), DiskMiB: ptrIf(l.DiskMiB),
	}
}

// BackupCommandsFromAPI converts backup commands from the wire.
func BackupCommandsFromAPI(c daemonapi.BackupCommands) backup.Commands {
	out := backup.Commands{Wait: time.Duration(deref(c.WaitMs)) * time.Millisecond}
	if c.Before != nil {
		out.Before = *c.Before
	}
	if c.After != nil {
		out.After = *c.After
	}
	return out
}

// BackupCommandsToAPI converts backup commands to the wire.
func BackupCommandsToAPI(c backup.Commands) daemonapi.BackupCommands {
	out := daemonapi.BackupCommands{WaitMs: ptrIf(c.Wait.Milliseconds())}
	if len(c.Before) > 0 {
		out.Before = &c.Before
	}
	if len(c.After) > 0 {
		out.After = &c.After
	}
	return out
}

// StatusToAPI converts a server's status.
func StatusToAPI(s daemon.StatusInfo) daemonapi.Status {
	return daemonapi.Status{State: daemonapi.State(s.State), Running: s.Running, Message: ptrIf(s.Message)}
}

// StatusFromAPI converts a status from the wire.
func StatusFromAPI(s daemonapi.Status) daemon.StatusInfo {
	return daemon.StatusInfo{State: daemon.State(s.State), Running: s.Running, Message: deref(s.Message)}
}

// StatsToAPI converts a stats sample.
func StatsToAPI(s rt.Stats) daemonapi.Stats {
	return daemonapi.Stats{CpuPercent: float32(s.CPUPercent), MemoryBytes: clampInt64(s.MemoryBytes), MemoryLimit: clampInt64(s.MemoryLimit)}
}

// ConsoleLineToAPI converts a console line.
func ConsoleLineToAPI(l daemon.ConsoleLine) daemonapi.ConsoleLine {
	return daemonapi.ConsoleLine{Cursor: l.Cursor, Time: l.Time, Text: l.Text}
}

// ConsoleLinesToAPI converts console lines (never nil).
func ConsoleLinesToAPI(lines []daemon.ConsoleLine) []daemonapi.ConsoleLine {
	out := make([]daemonapi.ConsoleLine, len(lines))
	for i, l := range lines {
		out[i] = ConsoleLineToAPI(l)
	}
	return out
}

// EventToAPI converts one event of the daemon's fan-out.
func EventToAPI(ev daemon.Event) daemonapi.Event {
	switch ev.Kind {
	case daemon.EventConsole:
		line := ConsoleLineToAPI(ev.Line)
		out := daemonapi.Event{Kind: daemonapi.EventKindConsole, Line: &line}
		if ev.Dropped > 0 {
			out.Dropped = &ev.Dropped
		}
		return out
	case daemon.EventStatus:
		st := StatusToAPI(ev.Status)
		return daemonapi.Event{Kind: daemonapi.EventKindStatus, Status: &st}
	case daemon.EventStats:
		st := StatsToAPI(ev.Stats)
		return daemonapi.Event{Kind: daemonapi.EventKindStats, Stats: &st}
	default:
		return daemonapi.Event{Kind: daemonapi.EventKind(ev.Kind)}
	}
}

// ListingToAPI converts one page of a folder (entries never nil).
func ListingToAPI(l files.Listing) daemonapi.Listing {
	out := daemonapi.Listing{Entries: make([]daemonapi.Entry, len(l.Entries)), Total: l.Total}
	for i, e := range l.Entries {
		out.Entries[i] = daemonapi.Entry{Name: e.Name, Size: e.Size, Modified: e.Modified, IsFile: e.IsFile}
	}
	return out
}

// BackupToAPI converts a backup's description.
func BackupToAPI(b backup.Info) daemonapi.Backup {
	return daemonapi.Backup{Id: b.ID, Created: b.Created, Size: b.Size, Sha256: b.SHA256,
		State: daemonapi.BackupState(b.State), Reason: b.Reason, Live: b.Live}
}

// BackupsToAPI converts a list of backups (never nil).
func BackupsToAPI(bs []backup.Info) []daemonapi.Backup {
	out := make([]daemonapi.Backup, len(bs))
	for i, b := range bs {
		out[i] = BackupToAPI(b)
	}
	return out
}

// SystemToAPI converts the machine's description.
func SystemToAPI(s sysinfo.System) daemonapi.System {
	var out daemonapi.System
	out.Cpu.Model, out.Cpu.Cores, out.Cpu.Threads, out.Cpu.Mhz = s.CPU.Model, s.CPU.Cores, s.CPU.Threads, float32(s.CPU.MHz)
	out.Memory = usageToAPI(s.Memory)
	out.Disk = usageToAPI(s.Disk)
	out.Os.Platform, out.Os.Family, out.Os.Version = s.OS.Platform, s.OS.Family, s.OS.Version
	return out
}

func usageToAPI(u sysinfo.Usage) daemonapi.Usage {
	return daemonapi.Usage{Total: clampInt64(u.Total), Used: clampInt64(u.Used), Free: clampInt64(u.Free)}
}

func clampInt64(v uint64) int64 {
	if v > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(v)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// ptrIf returns a pointer to v, or nil for the zero value (omitted on the wire).
func ptrIf[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}
