package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/skypanel/skypanel/daemon/files"
	"github.com/skypanel/skypanel/runtime"
)

// Options configure a Manager. Zero values take the documented defaults.
type Options struct {
	DataDir string // required; see the package doc for the layout
	// VolumesDir holds the servers' files (default <DataDir>/volumes).
	VolumesDir string
	// StandardUIDs, when set, gives every standard server its own uid (and gid) from the range,
	// recorded in its Definition (the daemon must be root). Zero: the runtime's own user.
	StandardUIDs UIDRange
	Runtimes     map[string]runtime.Runtime // by environment (runtime.EnvDocker, runtime.EnvStandard)
	Logger       *slog.Logger               // default: discard

	CrashLoopWindow time.Duration // no auto-restart when the previous crash is this recent (60s)
	StopTimeout     time.Duration // wait after the stop command (or SIGTERM) when the definition has none (30s)
	TermTimeout     time.Duration // wait after SIGTERM before SIGKILL, when a stop command was sent first (10s)
	KillTimeout     time.Duration // wait after SIGKILL before giving up with an error (10s)
	DrainTimeout    time.Duration // after an exit, wait this long for the rest of the output (2s)
	StatsInterval   time.Duration // stats event period while running and watched (1s)
	ConsoleLines    int           // console ring size per server (1000)
	MaxLineBytes    int           // longer console lines are cut and marked (8 KiB)
	CommandQueue    int           // stdin writes queued per running server (64)
	Clock           func() time.Time

	// Disk limits (disk.go): the usage of running and installing servers that have a disk
	// limit is measured every DiskInterval (30s); Files is the file manager whose cached usage
	// the measurements share (default: a new one, closed by Close).
	DiskInterval time.Duration
	Files        *files.Service
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.CrashLoopWindow, 60*time.Second)
	def(&o.StopTimeout, 30*time.Second)
	def(&o.TermTimeout, 10*time.Second)
	def(&o.KillTimeout, 10*time.Second)
	def(&o.DrainTimeout, 2*time.Second)
	def(&o.StatsInterval, time.Second)
	def(&o.DiskInterval, 30*time.Second)
	if o.ConsoleLines <= 0 {
		o.ConsoleLines = 1000
	}
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = 8 << 10
	}
	o.MaxLineBytes = max(o.MaxLineBytes, 64)
	if o.CommandQueue <= 0 {
		o.CommandQueue = 64
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Manager runs the servers of one node. Its methods are safe for concurrent use. Power actions
// block until done; the HTTP layer may run them on a detached context to answer 204 at once.
type Manager struct {
	opts   Options
	log    *slog.Logger
	st     store
	ctx    context.Context // cancelled by Close; parent of everything the manager owns
	cancel context.CancelFunc
	wg     sync.WaitGroup
	files  *files.Service // disk usage (disk.go)

	mu       sync.Mutex
	servers  map[string]*server
	creating map[string]bool
	// uidsCreating are the uids allocated to servers being created (by id).
	uidsCreating map[string]uint32
	closed       bool
	accessLost   func(id string) // OnAccessLost (sftp_access.go)
}

// server is the manager's view of one server. mu guards the fields below it; power is a
// one-slot semaphore held for the whole of a power action.
type server struct {
	id    string
	rt    runtime.Runtime // nil when the environment's runtime is not available on this node
	power chan struct{}
	ring  *ring
	hub   *hub

	mu            sync.Mutex
	def           Definition
	rec           record
	proc          *proc // the current process, nil when none runs
	installCancel context.CancelFunc
	installDone   chan struct{}
	installOver   *DiskLimitError // why the disk watcher cancelled the installation
	deleted       bool
}

// New returns a Manager. Call Load to pick up the servers already on disk, and Close when done.
func New(opts Options) (*Manager, error) {
	opts.defaults()
	if opts.DataDir == "" {
		return nil, fmt.Errorf("daemon: Options.DataDir is required")
	}
	root, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("daemon: data dir: %w", err)
	}
	volumes := filepath.Join(root, volumesDir)
	if opts.VolumesDir != "" {
		if volumes, err = filepath.Abs(opts.VolumesDir); err != nil {
			return nil, fmt.Errorf("daemon: volumes dir: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	fsvc := opts.Files
	if fsvc == nil {
		fsvc = files.New(files.Options{Logger: opts.Logger})
	}
	m := &Manager{
		opts: opts, log: opts.Logger.With("component", "daemon"), st: store{root: root, volumes: volumes},
		ctx: ctx, cancel: cancel, servers: map[string]*server{}, creating: map[string]bool{}, files: fsvc,
		uidsCreating: map[string]uint32{},
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.diskLoop()
	}()
	return m, nil
}

func (m *Manager) newServer(def Definition, rec record) *server {
	h := newHub(m.opts.Clock)
	return &server{
		id: def.ID, rt: m.opts.Runtimes[def.Environment], power: make(chan struct{}, 1),
		hub: h, ring: newRing(m.opts.ConsoleLines, m.opts.Clock, h), def: def, rec: rec,
	}
}

// Close detaches every console and stops every goroutine the manager owns, without stopping
// any server: games keep running and a new Manager re-attaches with Load.
func (m *Manager) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	m.wg.Wait()
	m.mu.Lock()
	for _, s := range m.servers {
		s.ring.closeLog() // waits for its writer to write the batches it has queued
	}
	m.mu.Unlock()
	if m.opts.Files == nil {
		m.files.Close()
	}
}

// spawn runs fn on a goroutine owned by the manager; false when the manager is closed.
func (m *Manager) spawn(fn func()) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		fn()
	}()
	return true
}

func (m *Manager) get(id string) (*server, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	s, ok := m.servers[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return s, nil
}

// locked finds server id and takes its power lock (see lock); the caller unlocks.
func (m *Manager) locked(ctx context.Context, id string) (*server, error) {
	s, err := m.get(id)
	if err != nil {
		return nil, err
	}
	if err := m.lock(ctx, s); err != nil {
		return nil, err
	}
	return s, nil
}

// lock takes s's power lock, waiting for the running action at most until ctx ends.
func (m *Manager) lock(ctx context.Context, s *server) error {
	select {
	case s.power <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("waiting for the previous power action: %w", ctx.Err())
	case <-m.ctx.Done():
		return ErrClosed
	}
	s.mu.Lock()
	deleted := s.deleted
	s.mu.Unlock()
	switch {
	case m.ctx.Err() != nil:
		<-s.power
		return ErrClosed
	case deleted:
		<-s.power
		return fmt.Errorf("%w: %q", ErrNotFound, s.id)
	}
	return nil
}

func (s *server) unlock() { <-s.power }

// Get returns a copy of a server's definition.
func (m *Manager) Get(id string) (Definition, error) {
	s, err := m.get(id)
	if err != nil {
		return Definition{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.def.Clone(), nil
}

// List returns copies of every definition, ordered by id.
func (m *Manager) List() []Definition {
	m.mu.Lock()
	all := make([]*server, 0, len(m.servers))
	for _, s := range m.servers {
		all = append(all, s)
	}
	m.mu.Unlock()
	out := make([]Definition, 0, len(all))
	for _, s := range all {
		s.mu.Lock()
		out = append(out, s.def.Clone())
		s.mu.Unlock()
	}
	slices.SortFunc(out, func(a, b Definition) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// runtimeFor returns the runtime of an environment.
func (m *Manager) runtimeFor(env string) (runtime.Runtime, error) {
	rt := m.opts.Runtimes[env]
	if rt == nil {
		return nil, fmt.Errorf("%w: environment: %q is not available on this node", ErrInvalidDefinition, env)
	}
	return rt, nil
}

// say writes a daemon line to the server's console.
func (s *server) say(format string, args ...any) {
	s.ring.add(DaemonPrefix + fmt.Sprintf(format, args...))
}

// setState changes the state (s.mu held), publishes it and saves it.
func (m *Manager) setState(s *server, st State, msg string) {
	s.rec.State, s.rec.Message = st, msg
	s.hub.publish(Event{Kind: EventStatus, Status: s.statusLocked()})
	m.saveRecord(s)
}

// saveRecord persists s.rec (s.mu held).
func (m *Manager) saveRecord(s *server) {
	if s.deleted {
		return
	}
	if err := m.st.writeRecord(s.id, s.rec); err != nil {
		m.log.Error("save server state", "server", s.id, "err", err)
	}
}

// statusLocked is s's status (s.mu held): a running server whose console has not shown one of
// its ready patterns yet reports StateStarting (internally it is running: stop, kill, restart
// and commands treat it so).
func (s *server) statusLocked() StatusInfo {
	st := s.rec.State
	if st == StateRunning && s.proc != nil && s.proc.starting {
		st = StateStarting
	}
	return StatusInfo{State: st, Running: s.proc != nil, Message: s.rec.Message}
}
