package files

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"
)

// Options configure a Service. Zero values take the documented defaults.
type Options struct {
	Logger  *slog.Logger
	Refresh time.Duration // re-walk a volume's cached usage in the background when older (1 min)
	Clock   func() time.Time
}

// Volume is one server's volume as the caller knows it.
type Volume struct {
	ID         string // server id: the key of the cached usage
	Dir        string // the volume folder
	LimitBytes int64  // disk limit; 0 = none
}

// Service is the file manager of a node's volumes. Safe for concurrent use.
type Service struct {
	opts Options
	log  *slog.Logger

	started time.Time // upload temporaries older than this are leftovers of a dead process

	mu     sync.Mutex
	vols   map[string]*volume
	closed bool
	wg     sync.WaitGroup // background walks
}

// volume is the cached state of one server's volume.
type volume struct {
	// writes hold rw for reading; Exclusive (a restore) holds it for writing.
	rw sync.RWMutex
	// walk serialises the first, blocking walk.
	walk sync.Mutex

	mu       sync.Mutex
	known    bool
	used     int64 // bytes in regular files
	reserved int64 // bytes written by uploads in progress
	walkedAt time.Time
	walking  bool  // a background walk runs
	drift    int64 // changes applied while the background walk runs
	gen      int   // bumped when the volume is replaced (restore): older walks are void
}

// New returns a Service.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Refresh <= 0 {
		opts.Refresh = time.Minute
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	// a margin for file times, which the kernel takes from a coarser clock
	return &Service{opts: opts, log: opts.Logger.With("component", "files"), vols: map[string]*volume{},
		started: opts.Clock().Add(-2 * time.Second)}
}

// Close waits for the background walks.
func (s *Service) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Service) volume(id string) *volume {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.vols[id]
	if v == nil {
		v = &volume{}
		s.vols[id] = v
	}
	return v
}

// Forget drops what is cached about a volume (the server was deleted).
func (s *Service) Forget(id string) {
	s.mu.Lock()
	delete(s.vols, id)
	s.mu.Unlock()
}

// Exclusive runs fn while no write of the volume runs (and none starts), then drops the
// cached usage: the next write walks the volume again. Restores replace the volume under it.
func (s *Service) Exclusive(ctx context.Context, id string, fn func() error) error {
	v := s.volume(id)
	locked := make(chan struct{})
	go func() {
		v.rw.Lock()
		close(locked)
	}()
	select {
	case <-locked:
	case <-ctx.Done():
		go func() { <-locked; v.rw.Unlock() }()
		return fmt.Errorf("waiting for the uploads of the server to finish: %w", ctx.Err())
	}
	defer v.rw.Unlock()
	defer func() {
		v.mu.Lock()
		v.known, v.used, v.drift = false, 0, 0
		v.gen++
		v.mu.Unlock()
	}()
	return fn()
}

// Usage returns the bytes used by a volume's regular files (cached; see the package doc).
func (s *Service) Usage(vol Volume) (int64, error) {
	r, err := openRoot(vol)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	v := s.volume(vol.ID)
	if err := s.ensureUsage(v, r, vol, true); err != nil {
		return 0, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.used, nil
}

// ensureUsage makes the usage known: with block (a disk limit needs the figure) the first
// walk runs now, else in the background. A known figure older than Options.Refresh is
// re-walked in the background.
func (s *Service) ensureUsage(v *volume, r *os.Root, vol Volume, block bool) error {
	if block && !v.isKnown() {
		v.walk.Lock()
		defer v.walk.Unlock()
		if !v.isKnown() {
			_, err := s.walkNow(v, r, vol.ID)
			return err
		}
	}
	s.refresh(v, vol)
	return nil
}

// walkNow walks the volume (v.walk held) and returns its usage, which becomes the cached
// figure unless a restore replaced the volume meanwhile.
func (s *Service) walkNow(v *volume, r *os.Root, id string) (int64, error) {
	v.mu.Lock()
	gen := v.gen
	v.mu.Unlock()
	n, err := size(r, s.started)
	if err != nil {
		return 0, fmt.Errorf("measure the folder of server %s: %w", id, err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.gen == gen {
		v.known, v.used, v.walkedAt = true, n, s.opts.Clock()
	}
	return n, nil
}

// refresh walks the volume in the background when its usage is unknown or old.
func (s *Service) refresh(v *volume, vol Volume) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.walking || (v.known && s.opts.Clock().Sub(v.walkedAt) < s.opts.Refresh) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.wg.Add(1)
	v.walking, v.drift = true, 0
	gen := v.gen
	go func() {
		defer s.wg.Done()
		n, err := s.measure(vol)
		v.mu.Lock()
		defer v.mu.Unlock()
		v.walking, v.walkedAt = false, s.opts.Clock()
		switch {
		case err != nil:
			s.log.Warn("measure disk usage", "server", vol.ID, "err", err)
		case v.gen == gen: // not replaced by a restore meanwhile
			v.known, v.used = true, max(n+v.drift, 0)
		}
	}()
}

func (s *Service) measure(vol Volume) (int64, error) {
	r, err := openRoot(vol)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	return size(r, s.started)
}

// add applies a change of usage made by this package.
func (v *volume) add(delta int64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.known {
		v.used = max(v.used+delta, 0)
	}
	if v.walking {
		v.drift += delta
	}
}

// reserve claims n more bytes for an upload that replaces old bytes; false when the limit
// would be passed.
func (v *volume) reserve(n, old, limit int64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if limit > 0 && v.used+v.reserved+n-old > limit {
		return false
	}
	v.reserved += n
	return true
}

// generation is bumped by every Exclusive (the volume may have been replaced).
func (v *volume) generation() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.gen
}

func (v *volume) isKnown() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.known
}

// tracking reports whether changes of usage matter now (known, or being measured).
func (v *volume) tracking() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.known || v.walking
}

func (v *volume) release(n int64) {
	v.mu.Lock()
	v.reserved -= n
	v.mu.Unlock()
}

func (v *volume) snapshot() (used, reserved int64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.used, v.reserved
}

// openRoot opens the volume folder.
func openRoot(vol Volume) (*os.Root, error) {
	r, err := os.OpenRoot(vol.Dir)
	if err != nil {
		return nil, fmt.Errorf("open the folder of server %s: %w", vol.ID, err)
	}
	return r, nil
}

// owner returns the uid/gid new files get: the volume folder's.
func owner(r *os.Root) (uid, gid int, err error) {
	fi, err := r.Stat(".")
	if err != nil {
		return 0, 0, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return -1, -1, nil
	}
	return int(st.Uid), int(st.Gid), nil
}

// needChown reports whether files created by this process must be given away.
func needChown(uid, gid int) bool {
	return uid >= 0 && (uid != os.Geteuid() || gid != os.Getegid())
}
