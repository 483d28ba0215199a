package backup

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/klauspost/pgzip"

	"github.com/skypanel/skypanel/daemon/files"
)

// CreateOptions describe one backup.
type CreateOptions struct {
	Max    int    // how many backups (running or done) the server may keep; failed ones do not count
	Reason string // what triggered it ("manual" when empty)
	// Before and After run around the archive when the server runs (its backup commands);
	// After runs whenever Before ran. Without Before the backup is marked Live when Live is set.
	Before func(ctx context.Context) error
	After  func(ctx context.Context) error
	Live   bool // the server runs
	// LimitBytes is the server's disk limit (0 = none): a volume holding more fails at once.
	LimitBytes int64
}

// Create starts a backup of the volume dir and returns its Info (state running) at once.
// ErrInProgress when a backup or restore of the server runs, ErrLimit when the server keeps
// opts.Max backups already.
func (m *Manager) Create(server, dir string, opts CreateOptions) (Info, error) {
	if err := checkServer(server); err != nil {
		return Info{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.closed:
		return Info{}, ErrClosed
	case m.jobs[server] != nil:
		return Info{}, fmt.Errorf("%w: backup %s of this server is running", ErrInProgress, m.jobs[server].id)
	case m.restoring[server]:
		return Info{}, fmt.Errorf("%w: a backup of this server is being restored", ErrInProgress)
	}
	list, err := m.list(server)
	if err != nil {
		return Info{}, err
	}
	kept := 0
	for _, in := range list {
		if in.State != StateFailed {
			kept++
		}
	}
	if kept >= opts.Max {
		return Info{}, &LimitError{Max: opts.Max}
	}
	if err := os.MkdirAll(m.serverDir(server), 0o700); err != nil {
		return Info{}, fmt.Errorf("backup folder: %w", err)
	}
	reason := opts.Reason
	if reason == "" {
		reason = "manual"
	}
	in := Info{ID: m.newID(server, m.opts.Clock()), Created: m.opts.Clock().UTC().Truncate(time.Second),
		State: StateRunning, Reason: reason, Live: opts.Live && opts.Before == nil}
	if err := m.writeInfo(server, in); err != nil {
		return Info{}, err
	}
	ctx, cancel := context.WithCancel(m.ctx)
	j := &job{id: in.ID, cancel: cancel, done: make(chan struct{})}
	m.jobs[server] = j
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer close(j.done)
		defer cancel()
		in := m.run(ctx, server, dir, in, opts)
		// the outcome and the end of the job become visible together
		m.mu.Lock()
		defer m.mu.Unlock()
		if err := m.writeInfo(server, in); err != nil {
			m.log.Error("record backup outcome", "server", server, "backup", in.ID, "err", err)
		}
		delete(m.jobs, server)
	}()
	return in, nil
}

// run writes the archive and returns the backup's final Info.
func (m *Manager) run(ctx context.Context, server, dir string, in Info, opts CreateOptions) Info {
	log := m.log.With("server", server, "backup", in.ID)
	start := m.opts.Clock()
	if opts.Before != nil {
		if err := m.runHook(ctx, opts.Before); err != nil {
			log.Warn("backup commands failed; the backup is taken live", "err", err)
			in.Live = opts.Live
		}
	}
	size, sum, err := m.archive(ctx, dir, m.partPath(server, in.ID), opts.LimitBytes, log)
	if opts.Before != nil && opts.After != nil { // also after a failed Before: it may have paused saves
		if err := m.runHook(context.WithoutCancel(ctx), opts.After); err != nil {
			log.Warn("after-backup commands failed", "err", err)
		}
	}
	if err == nil {
		err = os.Rename(m.partPath(server, in.ID), m.archivePath(server, in.ID))
	}
	if err != nil {
		_ = os.Remove(m.partPath(server, in.ID))
		if ctx.Err() != nil {
			err = fmt.Errorf("cancelled (the node is shutting down or the server was deleted): %w", err)
		}
		in.State, in.Reason = StateFailed, err.Error()
		log.Error("backup failed", "err", err)
	} else {
		in.State, in.Size, in.SHA256 = StateDone, size, sum
		log.Info("backup done", "bytes", size, "took", m.opts.Clock().Sub(start))
	}
	return in
}

func (m *Manager) runHook(ctx context.Context, fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, m.opts.HookTimeout)
	defer cancel()
	return fn(ctx)
}

// archive writes dir as a .tar.gz to dst and returns its size and SHA-256.
func (m *Manager) archive(ctx context.Context, dir, dst string, limit int64, log interface{ Warn(string, ...any) }) (int64, string, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return 0, "", fmt.Errorf("open the server's folder: %w", err)
	}
	defer root.Close()
	if err := scan(root, limit); err != nil {
		return 0, "", err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, "", fmt.Errorf("create archive: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	out := &syncWriter{f: f, h: h}
	gz, err := pgzip.NewWriterLevel(out, m.opts.Level)
	if err != nil {
		return 0, "", err
	}
	if err := gz.SetConcurrency(1<<20, 2*runtime.GOMAXPROCS(0)); err != nil {
		return 0, "", err
	}
	tw := tar.NewWriter(gz)
	a := &archiver{tw: tw, buf: make([]byte, 1<<20), log: log, limit: limit, hook: m.hook}
	err = a.walk(ctx, root)
	if err == nil {
		err = tw.Close()
	}
	if cerr := gz.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		return 0, "", err
	}
	return out.n, hex.EncodeToString(h.Sum(nil)), nil
}

// archiver writes the entries of one archive.
type archiver struct {
	tw     *tar.Writer
	buf    []byte
	log    interface{ Warn(string, ...any) }
	limit  int64  // the server's disk limit (0 = none)
	total  int64  // bytes of the regular files stored so far
	files  int    // entries stored so far
	prefix string // put before every entry name ("" in backups)
	// format of the headers: unspecified in backups (USTAR where it fits: mtimes rounded to
	// the second), PAX in WriteTree (mtimes to the nanosecond)
	format tar.Format
	hook   func(event string) // the Manager's test hook in backups; nil in WriteTree
}

// walk writes every entry of the volume at root (scanned already) until ctx ends, calling
// hook (when set) with "entry:<rel>" after each.
func (a *archiver) walk(ctx context.Context, root *os.Root) error {
	return files.Walk(root, func(rel string, d *os.Root, name string, fi fs.FileInfo) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := a.add(d, rel, name, fi)
		if a.hook != nil {
			a.hook("entry:" + rel)
		}
		return err
	})
}

// add writes one walked entry: folders, regular files and symlinks; the rest is skipped. Files
// that grew past the disk limit since the scan fail the backup (the restore would refuse it).
func (a *archiver) add(d *os.Root, rel, name string, fi fs.FileInfo) error {
	tw, buf, log := a.tw, a.buf, a.log
	if err := checkVolumeName(rel); err != nil {
		return err
	}
	hdr := &tar.Header{Name: a.prefix + rel, Mode: int64(fi.Mode().Perm()), ModTime: fi.ModTime(), Format: a.format}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		hdr.Uid, hdr.Gid = int(st.Uid), int(st.Gid)
	}
	switch {
	case fi.IsDir():
		hdr.Typeflag, hdr.Name = tar.TypeDir, hdr.Name+"/"
		a.files++
		return tw.WriteHeader(hdr)
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := d.Readlink(name)
		if err != nil {
			return skipVanished(err)
		}
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, target
		a.files++
		return tw.WriteHeader(hdr)
	case !fi.Mode().IsRegular() || files.IsTemp(name):
		return nil
	}
	f, err := d.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return skipVanished(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return nil // swapped for something else since the walk saw it
	}
	if err := checkSparse(rel, st); err != nil { // made sparse since the scan
		return err
	}
	if a.total += st.Size(); a.limit > 0 && a.total > a.limit {
		return fmt.Errorf("%w: the server's files grew past its disk limit of %d MiB during the backup (at %s)",
			files.ErrDiskLimit, a.limit>>20, quote(rel))
	}
	hdr.Typeflag, hdr.Size, hdr.ModTime = tar.TypeReg, st.Size(), st.ModTime()
	a.files++
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	n, err := io.CopyBuffer(onlyWriter{tw}, io.LimitReader(f, st.Size()), buf)
	if err != nil {
		return fmt.Errorf("read %s: %w", rel, err)
	}
	if n < st.Size() { // the file shrank while it was read
		log.Warn("file shrank during the backup; padded with zeros", "file", rel, "bytes", st.Size(), "read", n)
		if _, err := io.CopyBuffer(onlyWriter{tw}, io.LimitReader(zeros{}, st.Size()-n), buf); err != nil {
			return err
		}
	}
	return nil
}

func skipVanished(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ELOOP) {
		return nil
	}
	return err
}

// onlyWriter hides ReadFrom so io.CopyBuffer uses the given buffer.
type onlyWriter struct{ io.Writer }

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
