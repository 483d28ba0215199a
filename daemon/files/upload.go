package files

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sync"
	"syscall"
	"time"
)

// Upload is a file being written at any offsets (SFTP writes arrive pipelined, possibly out
// of order): the bytes go to a temporary file next to the destination, which Commit renames
// over it; Abort removes it and leaves the destination as it was. The disk limit holds for
// every write: the bytes the file grows by are reserved as they are written. An open Upload
// does not hold the volume (a client may keep a handle open for long): Exclusive runs
// meanwhile, and an Upload created before it cannot be committed after it (ErrConflict: the
// volume was replaced or emptied). Safe for concurrent use.
type Upload struct {
	s    *Service
	v    *volume
	vol  Volume
	r    *os.Root
	f    *os.File
	p    string // as the client sent it
	rel  string // cleaned
	real string // resolved destination
	tmp  string
	gen  int // the volume's generation at Create

	mu       sync.Mutex
	old      int64 // size of the file replaced
	size     int64 // length of the temporary file
	reserved int64 // bytes reserved for growth
	mtime    time.Time
	atime    time.Time
	done     bool
}

// Create starts an Upload of the file p. With keep, the upload starts from the current
// content of p (an SFTP open without truncation); else from an empty file. Missing parent
// folders are created. excl refuses an existing file (ErrConflict).
func (s *Service) Create(vol Volume, p string, keep, excl bool) (*Upload, error) {
	o, err := s.begin(vol, p, access{root: "the root folder is not a file", write: true, usage: usageUnder})
	if err != nil {
		return nil, err
	}
	defer o.end()
	s.refresh(o.v, vol)
	r, real := o.r, o.real
	old, perm, err := existing(r, p, real)
	if err != nil {
		return nil, err
	}
	if excl {
		if _, serr := r.Lstat(real); serr == nil {
			return nil, &PathError{Path: p, Reason: "the file exists", Err: ErrConflict}
		}
	}
	uid, gid, err := owner(r)
	if err != nil {
		return nil, err
	}
	if err := mkdirs(r, p, parent(real), uid, gid); err != nil {
		return nil, o.escaped(err)
	}
	u := &Upload{s: s, v: o.v, vol: vol, r: r, p: p, rel: o.rel, real: real, old: old,
		tmp: join(parent(real), TempName()), gen: o.v.generation()}
	if err := u.open(perm, uid, gid, keep && old > 0); err != nil {
		return nil, o.escaped(err)
	}
	o.r = nil // the Upload's now: Commit or Abort closes it
	return u, nil
}

// open creates the temporary file, optionally with a copy of the destination's content.
func (u *Upload) open(perm fs.FileMode, uid, gid int, keep bool) (err error) {
	f, err := u.r.OpenFile(u.tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, perm)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = u.r.Remove(u.tmp)
		}
	}()
	if needChown(uid, gid) {
		if err := f.Chown(uid, gid); err != nil {
			return fmt.Errorf("give %q to uid %d: %w", u.p, uid, err)
		}
	}
	if err := f.Chmod(perm); err != nil { // umask-independent
		return err
	}
	if keep {
		src, err := u.r.OpenFile(u.real, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
		if err != nil {
			return err
		}
		n, err := io.Copy(f, src) // copy_file_range where the file system allows
		_ = src.Close()
		if err != nil {
			return err
		}
		// the copy replaces the old bytes one for one: only what differs is reserved
		if !u.v.reserve(n, u.old, u.vol.LimitBytes) {
			used, _ := u.v.snapshot()
			return limitError(u.p, u.vol.LimitBytes, used)
		}
		u.reserved, u.size = n, n
	}
	u.f = f
	return nil
}

// Path is the path of the upload as the client gave it.
func (u *Upload) Path() string { return u.p }

// Entry describes the file as written so far: its length, and the modification time it gets
// at Commit (now, unless SetTimes set one).
func (u *Upload) Entry() Entry {
	u.mu.Lock()
	defer u.mu.Unlock()
	mt := u.mtime
	if mt.IsZero() {
		mt = time.Now()
	}
	return Entry{Name: path.Base(u.rel), Size: u.size, Modified: mt.UTC(), IsFile: true}
}

// grow reserves the bytes for a file length of n (u.mu held).
func (u *Upload) grow(n int64) error {
	if n <= u.size {
		return nil
	}
	if !u.v.reserve(n-u.size, u.old, u.vol.LimitBytes) {
		used, _ := u.v.snapshot()
		return limitError(u.p, u.vol.LimitBytes, used)
	}
	u.reserved += n - u.size
	u.size = n
	return nil
}

// WriteAt writes b at off; writes that would take the volume past its disk limit fail
// (ErrDiskLimit) and write nothing.
func (u *Upload) WriteAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, &PathError{Path: u.p, Reason: "negative offset", Err: ErrPathInvalid}
	}
	u.mu.Lock()
	if u.done {
		u.mu.Unlock()
		return 0, os.ErrClosed
	}
	if err := u.grow(off + int64(len(b))); err != nil {
		u.mu.Unlock()
		return 0, err
	}
	u.mu.Unlock()
	n, err := u.f.WriteAt(b, off)
	if err != nil {
		return n, classify(u.p, err)
	}
	return n, nil
}

// ReadAt reads the upload as written so far.
func (u *Upload) ReadAt(b []byte, off int64) (int, error) { return u.f.ReadAt(b, off) }

// Truncate sets the length of the upload.
func (u *Upload) Truncate(n int64) error {
	if n < 0 {
		return &PathError{Path: u.p, Reason: "negative size", Err: ErrPathInvalid}
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done {
		return os.ErrClosed
	}
	if err := u.grow(n); err != nil {
		return err
	}
	if err := u.f.Truncate(n); err != nil {
		return classify(u.p, err)
	}
	u.size = n
	return nil
}

// SetTimes sets the access and modification times the file gets at Commit.
func (u *Upload) SetTimes(atime, mtime time.Time) {
	u.mu.Lock()
	u.atime, u.mtime = atime, mtime
	u.mu.Unlock()
}

// Commit renames the upload over its destination. The Upload is finished either way.
func (u *Upload) Commit() (err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done {
		return os.ErrClosed
	}
	defer u.finish(&err)
	u.v.rw.RLock()
	defer u.v.rw.RUnlock()
	if u.v.generation() != u.gen {
		return &PathError{Path: u.p, Reason: "the server's files were replaced during the upload", Err: ErrConflict}
	}
	fi, err := u.f.Stat() // the length written, whatever the order of writes and truncations
	if err != nil {
		return classify(u.p, err)
	}
	if err := u.f.Close(); err != nil {
		return classify(u.p, err)
	}
	if !u.mtime.IsZero() {
		if err := u.r.Chtimes(u.tmp, u.atime, u.mtime); err != nil {
			return classify(u.p, err)
		}
	}
	if err := u.r.Rename(u.tmp, u.real); err != nil {
		return escaped(u.r, u.p, u.rel, err)
	}
	u.v.add(fi.Size() - u.old)
	return nil
}

// Abort drops the upload: the destination stays as it was.
func (u *Upload) Abort() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done {
		return
	}
	err := errors.New("aborted")
	u.finish(&err)
}

// finish releases what the upload holds (u.mu held); with *err set the temporary is removed.
func (u *Upload) finish(err *error) {
	u.done = true
	if *err != nil {
		_ = u.f.Close()
		_ = u.r.Remove(u.tmp)
	}
	u.v.release(u.reserved)
	u.reserved = 0
	_ = u.r.Close()
}
