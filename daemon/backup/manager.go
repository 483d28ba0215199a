package backup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/pgzip"
	"github.com/skypanel/skypanel/daemon/internal/jsonfile"
)

// Options configure a Manager. Zero values take the documented defaults.
type Options struct {
	Dir        string // required: the node's backup folder
	VolumesDir string // required: the folder holding the volumes (restores stage next to them)
	Logger     *slog.Logger
	Clock      func() time.Time
	Level      int // gzip level (pgzip.DefaultCompression)
	// HookTimeout bounds each Before/After hook (1 min).
	HookTimeout time.Duration
}

// Manager keeps the backups of a node's servers. Safe for concurrent use.
type Manager struct {
	opts   Options
	log    *slog.Logger
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // running backups
	// cleanups are the background removals of the content a restore replaced
	cleanups sync.WaitGroup

	mu        sync.Mutex
	jobs      map[string]*job // the running backup, by server
	restoring map[string]bool
	issued    map[string]string // the last id given to each server: ids are not reused
	closed    bool

	// testHook (nil in production) is called at points tests kill or pause at:
	// "entry:<rel>" after each archived entry, "extracted:<rel>" after each restored file,
	// "before-swap" and "after-swap".
	testHook func(event string)
}

type job struct {
	id     string
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns a Manager after recovering from a crash: backups recorded as running are
// marked failed (their partial archive removed) and leftover restore folders are removed.
func New(opts Options) (*Manager, error) {
	if opts.Dir == "" || opts.VolumesDir == "" {
		return nil, errors.New("backup: Options.Dir and Options.VolumesDir are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Level == 0 {
		opts.Level = pgzip.DefaultCompression
	}
	if opts.HookTimeout <= 0 {
		opts.HookTimeout = time.Minute
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("backup folder: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{opts: opts, log: opts.Logger.With("component", "backup"), ctx: ctx, cancel: cancel,
		jobs: map[string]*job{}, restoring: map[string]bool{}, issued: map[string]string{}}
	if err := m.recover(); err != nil {
		cancel()
		return nil, err
	}
	return m, nil
}

// recover fails the backups a crash interrupted and removes restore leftovers.
func (m *Manager) recover() error {
	servers, err := os.ReadDir(m.opts.Dir)
	if err != nil {
		return fmt.Errorf("read backup folder: %w", err)
	}
	for _, sd := range servers {
		if !sd.IsDir() || checkServer(sd.Name()) != nil {
			continue
		}
		list, err := m.list(sd.Name())
		if err != nil {
			return err
		}
		for _, in := range list {
			if in.State != StateRunning {
				continue
			}
			_ = os.Remove(m.partPath(sd.Name(), in.ID))
			in.State, in.Reason = StateFailed, "interrupted: the node stopped while the backup was written"
			if err := m.writeInfo(sd.Name(), in); err != nil {
				return err
			}
			m.log.Warn("backup interrupted by a restart marked failed", "server", sd.Name(), "backup", in.ID)
		}
	}
	if err := m.removeImports(); err != nil {
		return err
	}
	return m.recoverRestores()
}

// recoverRestores removes the staging folders of interrupted restores; when the two-rename
// fallback was interrupted between its renames, the old volume is put back first.
func (m *Manager) recoverRestores() error {
	des, err := os.ReadDir(m.opts.VolumesDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read volumes folder: %w", err)
	}
	for _, de := range des {
		rest, ok := strings.CutPrefix(de.Name(), stagePrefix)
		if !ok {
			continue
		}
		p := filepath.Join(m.opts.VolumesDir, de.Name())
		if id, ok := strings.CutSuffix(rest, oldSuffix); ok {
			if i := strings.LastIndexByte(id, '-'); i > 0 {
				vol := filepath.Join(m.opts.VolumesDir, id[:i])
				if _, err := os.Lstat(vol); errors.Is(err, fs.ErrNotExist) {
					if err := os.Rename(p, vol); err != nil {
						return fmt.Errorf("put back the volume of an interrupted restore: %w", err)
					}
					m.log.Warn("interrupted restore: old volume put back", "volume", vol)
					continue
				}
			}
		}
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("remove leftover restore folder: %w", err)
		}
		m.log.Warn("removed the folder of an interrupted restore", "folder", p)
	}
	return nil
}

// Close cancels running backups (they end failed) and waits for them and for the removal of
// replaced volume content.
func (m *Manager) Close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	m.wg.Wait()
	m.cleanups.Wait()
}

// List returns a server's backups, newest first.
func (m *Manager) List(server string) ([]Info, error) { return m.list(server) }

// Get returns one backup.
func (m *Manager) Get(server, id string) (Info, error) { return m.readInfo(server, id) }

// Open opens a finished backup's archive for reading; ErrInProgress while it is written,
// ErrFailed when it failed.
func (m *Manager) Open(server, id string) (*os.File, Info, error) {
	in, err := m.readInfo(server, id)
	if err != nil {
		return nil, in, err
	}
	if err := in.Ready(); err != nil {
		return nil, in, err
	}
	f, err := os.Open(m.archivePath(server, id))
	if err != nil {
		return nil, in, fmt.Errorf("open backup %s: %w", id, err)
	}
	return f, in, nil
}

// Ready reports whether the backup can be downloaded or restored: ErrInProgress while it is
// written, ErrFailed when it failed.
func (in Info) Ready() error {
	switch in.State {
	case StateDone:
		return nil
	case StateRunning:
		return fmt.Errorf("%w: backup %s is still being written", ErrInProgress, in.ID)
	}
	return fmt.Errorf("%w: backup %s failed: %s", ErrFailed, in.ID, in.Reason)
}

// Delete removes a backup (ErrInProgress while it is written).
func (m *Manager) Delete(server, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	in, err := m.readInfo(server, id)
	if err != nil {
		return err
	}
	if in.State == StateRunning {
		return fmt.Errorf("%w: backup %s is still being written", ErrInProgress, id)
	}
	if err := os.Remove(m.archivePath(server, id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete backup %s: %w", id, err)
	}
	if err := os.Remove(m.metaPath(server, id)); err != nil {
		return fmt.Errorf("delete backup %s: %w", id, err)
	}
	return syncDir(m.serverDir(server))
}

// Wait waits until no backup of the server runs (or ctx ends).
func (m *Manager) Wait(ctx context.Context, server string) error {
	m.mu.Lock()
	j := m.jobs[server]
	m.mu.Unlock()
	if j == nil {
		return nil
	}
	select {
	case <-j.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// DeleteAll removes every backup of a server (it is being deleted), cancelling a running one.
func (m *Manager) DeleteAll(server string) error {
	if err := checkServer(server); err != nil {
		return err
	}
	m.mu.Lock()
	j := m.jobs[server]
	m.mu.Unlock()
	if j != nil {
		j.cancel()
		<-j.done
	}
	return os.RemoveAll(m.serverDir(server))
}

// SetCommands stores a server's backup commands.
func (m *Manager) SetCommands(server string, c Commands) error {
	if err := checkServer(server); err != nil {
		return err
	}
	if err := os.MkdirAll(m.serverDir(server), 0o700); err != nil {
		return err
	}
	return jsonfile.Write(filepath.Join(m.serverDir(server), commandsFile), c)
}

// Commands returns a server's backup commands (none when never set).
func (m *Manager) Commands(server string) (Commands, error) {
	var c Commands
	if err := checkServer(server); err != nil {
		return c, err
	}
	err := jsonfile.Read(filepath.Join(m.serverDir(server), commandsFile), &c)
	if errors.Is(err, fs.ErrNotExist) {
		return Commands{}, nil
	}
	return c, err
}
