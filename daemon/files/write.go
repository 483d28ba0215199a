package files

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"syscall"
)

// copyBuffer is the size of the chunks an upload is read and written in.
const copyBuffer = 1 << 20

var buffers = sync.Pool{New: func() any { b := make([]byte, copyBuffer); return &b }}

// Write stores body as the file p (size is its length, or -1 when unknown): into a temporary
// file in the destination folder, renamed over p once complete. Missing parent folders are
// created. See the package doc for the disk limit. On any error nothing is left behind.
func (s *Service) Write(vol Volume, p string, body io.Reader, size int64) error {
	o, err := s.begin(vol, p, access{root: "the root folder is not a file", write: true, usage: usageKnown})
	if err != nil {
		return err
	}
	defer o.end()
	r, v, real := o.r, o.v, o.real
	old, perm, err := existing(r, p, real)
	if err != nil {
		return err
	}
	if size < 0 {
		if err := s.overLimit(v, r, vol, p); err != nil {
			return err
		}
	}
	if size >= 0 && vol.LimitBytes > 0 {
		if used, reserved := v.snapshot(); used+reserved-old+size > vol.LimitBytes {
			return limitError(p, vol.LimitBytes, used)
		}
	}
	uid, gid, err := owner(r)
	if err != nil {
		return err
	}
	if err := mkdirs(r, p, parent(real), uid, gid); err != nil {
		return err
	}
	if err := s.store(r, v, vol, p, real, upload{body, size, old, perm}, uid, gid); err != nil {
		return o.escaped(err)
	}
	return nil
}

// existing returns the size and permission bits of the regular file at real (0, 0644 when
// none); a folder or special file there is refused.
func existing(r *os.Root, p, real string) (int64, fs.FileMode, error) {
	fi, err := r.Lstat(real)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return 0, 0o644, nil
	case errors.Is(err, syscall.ENOTDIR):
		return 0, 0, &PathError{Path: p, Reason: "a folder in the path is a file", Err: ErrConflict}
	case err != nil:
		return 0, 0, classify(p, err)
	case fi.IsDir():
		return 0, 0, &PathError{Path: p, Reason: "a folder exists at this path", Err: ErrConflict}
	case !fi.Mode().IsRegular():
		return 0, 0, invalidPath(p, "not a regular file")
	}
	return fi.Size(), fi.Mode().Perm(), nil
}

// upload is the body of a Write and what it replaces.
type upload struct {
	body io.Reader
	size int64 // -1: unknown
	old  int64 // size of the replaced file
	perm fs.FileMode
}

// store streams the body into a temporary file next to real and renames it into place.
func (s *Service) store(r *os.Root, v *volume, vol Volume, p, real string, up upload, uid, gid int) (err error) {
	body, old, perm := up.body, up.old, up.perm
	tmp := join(parent(real), TempName())
	f, err := r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, perm)
	if err != nil {
		return err
	}
	var reserved, n int64
	defer func() {
		v.release(reserved)
		if err != nil {
			_ = f.Close()
			_ = r.Remove(tmp)
		}
	}()
	if needChown(uid, gid) {
		if err := f.Chown(uid, gid); err != nil {
			return fmt.Errorf("give %q to uid %d: %w", p, uid, err)
		}
	}
	if err := f.Chmod(perm); err != nil { // umask-independent
		return err
	}
	bp := buffers.Get().(*[]byte)
	defer buffers.Put(bp)
	buf := *bp
	for {
		k, rerr := fill(body, buf)
		if k > 0 {
			if !v.reserve(int64(k), old, vol.LimitBytes) {
				used, _ := v.snapshot()
				return limitError(p, vol.LimitBytes, used)
			}
			reserved += int64(k)
			if _, err := f.Write(buf[:k]); err != nil {
				return err
			}
			n += int64(k)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return &PathError{Path: p, Reason: fmt.Sprintf("the upload broke off after %d bytes: %v", n, rerr), Err: ErrIncomplete}
		}
	}
	if up.size >= 0 && n != up.size {
		return &PathError{Path: p, Reason: fmt.Sprintf("got %d bytes, the length said %d", n, up.size), Err: ErrIncomplete}
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := r.Rename(tmp, real); err != nil {
		return err
	}
	v.add(n - old)
	return nil
}

// fill reads into buf until it is full or the reader fails; unlike io.ReadFull it passes
// the reader's error on as it is (io.EOF at the end, io.ErrUnexpectedEOF for a body cut short).
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := r.Read(buf[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Mkdir creates the folder p and its missing parents; an existing folder is fine.
func (s *Service) Mkdir(vol Volume, p string) error {
	o, err := s.begin(vol, p, access{write: true, usage: usageUnder})
	if err != nil {
		return err
	}
	defer o.end()
	uid, gid, err := owner(o.r)
	if err != nil {
		return err
	}
	if err := mkdirs(o.r, p, o.real, uid, gid); err != nil {
		return o.escaped(err)
	}
	return nil
}

// mkdirs creates dir (no symlinks in it) and its missing parents, owned by uid/gid.
func mkdirs(r *os.Root, p, dir string, uid, gid int) error {
	if dir == "." {
		return nil
	}
	parts := strings.Split(dir, "/")
	for i := range parts {
		cur := strings.Join(parts[:i+1], "/")
		err := r.Mkdir(cur, 0o755)
		if errors.Is(err, fs.ErrExist) {
			fi, serr := r.Lstat(cur)
			if serr != nil {
				return classify(p, serr)
			}
			if !fi.IsDir() {
				return &PathError{Path: p, Reason: fmt.Sprintf("%q is a file, not a folder", cur), Err: ErrConflict}
			}
			continue
		}
		if err != nil {
			return classify(p, err)
		}
		if needChown(uid, gid) {
			if err := r.Lchown(cur, uid, gid); err != nil {
				return fmt.Errorf("give folder %q to uid %d: %w", cur, uid, err)
			}
		}
		if err := r.Chmod(cur, 0o755); err != nil { // umask-independent
			return err
		}
	}
	return nil
}

func randomName() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
