package sftp

import (
	"errors"
	"io"
	"math"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/skypanel/skypanel/daemon/files"
)

// handlers serve the SFTP requests of one channel through daemon/files.
type handlers struct {
	ss *session

	mu      sync.Mutex
	uploads map[string]*upload // open uploads by path: setstat on them applies to the upload
}

// serveSFTP runs the SFTP protocol on ch until the client closes it or the session ends.
func (ss *session) serveSFTP(ch ssh.Channel) {
	h := &handlers{ss: ss, uploads: map[string]*upload{}}
	rs := sftp.NewRequestServer(ch, sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h},
		sftp.WithStartDirectory("/"), sftp.WithRSAllocator())
	if err := rs.Serve(); err != nil && !errors.Is(err, io.EOF) {
		ss.s.log.Debug("sftp channel ended", "server", ss.serverID, "err", err)
	}
	_ = rs.Close()
}

// rel turns an SFTP path (absolute, cleaned by pkg/sftp) into a volume path for daemon/files.
func rel(p string) string { return strings.TrimPrefix(p, "/") }

func (h *handlers) vol() (files.Volume, error) {
	t, err := h.ss.target()
	return t.Volume, err
}

func (h *handlers) fail(op string, err error) error { return status(h.ss.s.log, op, err) }

// writable returns the volume for a write, refused for a read-only grant.
func (h *handlers) writable() (files.Volume, error) {
	if h.ss.readOnly.Load() {
		return files.Volume{}, ErrReadOnly
	}
	return h.vol()
}

// Fileread opens a file for reading.
func (h *handlers) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	vol, err := h.vol()
	if err != nil {
		return nil, h.fail("open", err)
	}
	res, err := h.ss.s.opts.Files.Read(vol, rel(r.Filepath), 1, 1)
	if err != nil {
		return nil, h.fail("open", err)
	}
	if res.File == nil {
		return nil, h.fail("open", &files.PathError{Path: r.Filepath, Reason: "is a folder", Err: files.ErrConflict})
	}
	return res.File, nil
}

// Filewrite opens a file for writing: an upload committed when the client closes it.
func (h *handlers) Filewrite(r *sftp.Request) (io.WriterAt, error) { return h.OpenFile(r) }

// OpenFile opens a file for reading and writing (the reads see the upload).
func (h *handlers) OpenFile(r *sftp.Request) (sftp.WriterAtReaderAt, error) {
	vol, err := h.writable()
	if err != nil {
		return nil, h.fail("open", err)
	}
	fl := r.Pflags()
	p := rel(r.Filepath)
	if !fl.Creat {
		if _, err := h.ss.s.opts.Files.Stat(vol, p); err != nil {
			return nil, h.fail("open", err)
		}
	}
	fu, err := h.ss.s.opts.Files.Create(vol, p, !fl.Trunc, fl.Creat && fl.Excl)
	if err != nil {
		return nil, h.fail("open", err)
	}
	u := &upload{Upload: fu, h: h, key: r.Filepath}
	h.mu.Lock()
	h.uploads[u.key] = u
	h.mu.Unlock()
	return u, nil
}

// upload is an open file handle being written.
type upload struct {
	*files.Upload
	h      *handlers
	key    string
	failed atomic.Bool
}

// WriteAt writes through the upload; a write refused fails the whole upload.
func (u *upload) WriteAt(b []byte, off int64) (int, error) {
	if u.h.ss.readOnly.Load() {
		u.failed.Store(true)
		return 0, u.h.fail("write", ErrReadOnly)
	}
	n, err := u.Upload.WriteAt(b, off)
	if err != nil {
		u.failed.Store(true)
		return n, u.h.fail("write", err)
	}
	return n, nil
}

// TransferError is called by pkg/sftp when the connection broke with the handle open.
func (u *upload) TransferError(error) { u.failed.Store(true) }

// Close commits the upload, unless it failed, the connection broke or the grant turned
// read-only meanwhile: then the old file stays.
func (u *upload) Close() error {
	u.h.mu.Lock()
	if u.h.uploads[u.key] == u {
		delete(u.h.uploads, u.key)
	}
	u.h.mu.Unlock()
	if u.failed.Load() {
		u.Abort()
		return &statusError{sftp.ErrSSHFxFailure, u.key + ": a write failed: the upload was dropped and the file left as it was"}
	}
	if u.h.ss.readOnly.Load() {
		u.Abort()
		return u.h.fail("close", ErrReadOnly)
	}
	return u.h.fail("close", u.Commit())
}

func (h *handlers) openUpload(p string) *upload {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.uploads[p]
}

// Filecmd runs setstat, rename, rmdir, mkdir, remove; links and symlinks are refused.
func (h *handlers) Filecmd(r *sftp.Request) error {
	vol, err := h.writable()
	if err != nil {
		return h.fail(strings.ToLower(r.Method), err)
	}
	fs := h.ss.s.opts.Files
	p := rel(r.Filepath)
	switch r.Method {
	case "Setstat":
		err = h.setstat(vol, r)
	case "Rename":
		err = fs.Rename(vol, p, rel(r.Target), false)
	case "Rmdir":
		err = fs.Remove(vol, p, true)
	case "Remove":
		err = fs.Remove(vol, p, false)
	case "Mkdir":
		err = h.mkdir(vol, r.Filepath)
	default: // Link, Symlink
		err = ErrUnsupported
	}
	return h.fail(strings.ToLower(r.Method), err)
}

// mkdir makes the one folder p (SFTP's mkdir, unlike files.Mkdir, makes no missing parent).
func (h *handlers) mkdir(vol files.Volume, p string) error {
	fs := h.ss.s.opts.Files
	if _, err := fs.Stat(vol, rel(p)); err == nil {
		return &files.PathError{Path: p, Reason: "something already exists at this path", Err: files.ErrConflict}
	}
	switch e, err := fs.Stat(vol, rel(path.Dir(p))); {
	case err != nil:
		return err
	case e.IsFile:
		return &files.PathError{Path: p, Reason: "the parent is a file, not a folder", Err: files.ErrConflict}
	}
	return fs.Mkdir(vol, rel(p))
}

// PosixRename renames over an existing file (posix-rename@openssh.com).
func (h *handlers) PosixRename(r *sftp.Request) error {
	vol, err := h.writable()
	if err == nil {
		err = h.ss.s.opts.Files.Rename(vol, rel(r.Filepath), rel(r.Target), true)
	}
	return h.fail("rename", err)
}

// setstat applies a size (truncate) and times; permission and owner changes are ignored
// (files keep the server's owner and safe modes).
func (h *handlers) setstat(vol files.Volume, r *sftp.Request) error {
	fl, a := r.AttrFlags(), r.Attributes()
	fs := h.ss.s.opts.Files
	p := rel(r.Filepath)
	u := h.openUpload(r.Filepath)
	if fl.Size {
		size := a.Size
		if size > math.MaxInt64 {
			return &files.PathError{Path: r.Filepath, Reason: "size too large", Err: files.ErrPathInvalid}
		}
		var err error
		if u != nil {
			err = u.Truncate(int64(size))
		} else {
			err = fs.Truncate(vol, p, int64(size))
		}
		if err != nil {
			return err
		}
	}
	if fl.Acmodtime {
		at, mt := time.Unix(int64(a.Atime), 0), time.Unix(int64(a.Mtime), 0)
		if u != nil {
			u.SetTimes(at, mt)
			return nil
		}
		return fs.Chtimes(vol, p, at, mt)
	}
	return nil
}

// Filelist lists a folder or describes one path.
func (h *handlers) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	vol, err := h.vol()
	if err != nil {
		return nil, h.fail("list", err)
	}
	p := rel(r.Filepath)
	switch r.Method {
	case "List":
		res, err := h.ss.s.opts.Files.Read(vol, p, 1, math.MaxInt32)
		if err != nil {
			return nil, h.fail("list", err)
		}
		if res.File != nil {
			_ = res.File.Close()
			return nil, h.fail("list", &files.PathError{Path: r.Filepath, Reason: "not a folder", Err: files.ErrConflict})
		}
		l := make(listing, len(res.Listing.Entries))
		for i, e := range res.Listing.Entries {
			l[i] = info{e}
		}
		return l, nil
	case "Stat":
		if u := h.openUpload(r.Filepath); u != nil { // fstat of a handle being written asks this too
			return listing{info{u.Entry()}}, nil
		}
		e, err := h.ss.s.opts.Files.Stat(vol, p)
		if err != nil {
			return nil, h.fail("stat", err)
		}
		return listing{info{e}}, nil
	}
	return nil, h.fail("readlink", ErrUnsupported)
}

// listing is a ListerAt over a slice.
type listing []os.FileInfo

func (l listing) ListAt(ls []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(ls, l[off:])
	if n < len(ls) {
		return n, io.EOF
	}
	return n, nil
}

// info is a files.Entry as an os.FileInfo: files 0644, folders 0755.
type info struct{ e files.Entry }

func (i info) Name() string       { return i.e.Name }
func (i info) Size() int64        { return i.e.Size }
func (i info) ModTime() time.Time { return i.e.Modified }
func (i info) IsDir() bool        { return !i.e.IsFile }
func (i info) Sys() any           { return nil }

func (i info) Mode() os.FileMode {
	if i.e.IsFile {
		return 0o644
	}
	return os.ModeDir | 0o755
}
