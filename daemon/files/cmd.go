package files

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"syscall"
	"time"
)

// Stat describes what p names (a symlink that stays inside is followed). Only regular files
// and folders are described; anything else is ErrPathInvalid.
func (s *Service) Stat(vol Volume, p string) (Entry, error) {
	o, err := s.begin(vol, p, access{})
	if err != nil {
		return Entry{}, err
	}
	defer o.end()
	fi, err := o.r.Stat(o.real)
	if err != nil {
		return Entry{}, o.escaped(err)
	}
	e := Entry{Name: path.Base(o.rel), Modified: fi.ModTime().UTC(), IsFile: fi.Mode().IsRegular()}
	switch {
	case fi.Mode().IsRegular():
		e.Size = fi.Size()
	case !fi.IsDir():
		return Entry{}, invalidPath(p, "not a regular file or folder")
	}
	if o.rel == "." {
		e.Name = "/"
	}
	return e, nil
}

// Remove removes the file p, or the empty folder p when dir is set (SFTP's remove and
// rmdir); a symlink that stays inside is removed itself. The wrong kind is ErrConflict.
func (s *Service) Remove(vol Volume, p string, dir bool) error {
	o, err := s.begin(vol, p, access{root: "the root folder cannot be deleted", write: true, link: true})
	if err != nil {
		return err
	}
	defer o.end()
	fi, err := o.r.Lstat(o.real)
	if err != nil {
		return o.escaped(err)
	}
	switch {
	case dir && !fi.IsDir():
		return &PathError{Path: p, Reason: "not a folder", Err: ErrConflict}
	case !dir && fi.IsDir():
		return &PathError{Path: p, Reason: "a folder exists at this path", Err: ErrConflict}
	}
	if err := o.r.Remove(o.real); err != nil {
		if errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST) {
			return &PathError{Path: p, Reason: "the folder is not empty", Err: ErrConflict}
		}
		return o.escaped(err)
	}
	if fi.Mode().IsRegular() {
		o.v.add(-fi.Size())
	}
	return nil
}

// Rename moves from to to (symlinks are moved themselves). With replace an existing file at
// to is replaced (POSIX rename); without, anything at to is ErrConflict (SFTP's rename). The
// root can be neither.
func (s *Service) Rename(vol Volume, from, to string, replace bool) error {
	o, err := s.begin(vol, from, access{root: "the root folder cannot be renamed", write: true, link: true})
	if err != nil {
		return err
	}
	defer o.end()
	r := o.r
	relTo, err := Clean(to)
	if err != nil {
		return err
	}
	if relTo == "." {
		return invalidPath(to, "the root folder cannot be replaced")
	}
	dst, err := resolve(r, to, relTo, false)
	if err != nil {
		return err
	}
	sfi, err := r.Lstat(o.real)
	if err != nil {
		return o.escaped(err)
	}
	if !sfi.IsDir() && !sfi.Mode().IsRegular() && sfi.Mode()&fs.ModeSymlink == 0 {
		return invalidPath(from, "not a regular file or folder")
	}
	var freed int64
	switch dfi, err := r.Lstat(dst); {
	case err == nil && (!replace || dfi.IsDir() || sfi.IsDir()):
		return &PathError{Path: to, Reason: "something already exists at this path", Err: ErrConflict}
	case err == nil && dfi.Mode().IsRegular():
		freed = dfi.Size()
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return escaped(r, to, relTo, err)
	}
	if _, err := r.Stat(parent(dst)); err != nil {
		return escaped(r, to, relTo, err)
	}
	if err := r.Rename(o.real, dst); err != nil {
		if errors.Is(err, syscall.EINVAL) {
			return invalidPath(to, "a folder cannot be moved into itself")
		}
		return escaped(r, to, relTo, err)
	}
	o.v.add(-freed)
	return nil
}

// Truncate sets the length of the regular file p in place; growing it counts against the
// disk limit.
func (s *Service) Truncate(vol Volume, p string, size int64) error {
	if size < 0 {
		return invalidPath(p, "negative size")
	}
	o, err := s.begin(vol, p, access{root: "the root folder is not a file", write: true, usage: usageKnown})
	if err != nil {
		return err
	}
	defer o.end()
	v := o.v
	f, err := o.r.OpenFile(o.real, os.O_WRONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return o.escaped(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return invalidPath(p, "not a regular file")
	}
	if grow := size - fi.Size(); grow > 0 {
		if !v.reserve(grow, 0, vol.LimitBytes) {
			used, _ := v.snapshot()
			return limitError(p, vol.LimitBytes, used)
		}
		defer v.release(grow)
	}
	if err := f.Truncate(size); err != nil {
		return classify(p, err)
	}
	v.add(size - fi.Size())
	return nil
}

// Chtimes sets the access and modification times of what p names.
func (s *Service) Chtimes(vol Volume, p string, atime, mtime time.Time) error {
	o, err := s.begin(vol, p, access{})
	if err != nil {
		return err
	}
	defer o.end()
	if err := o.r.Chtimes(o.real, atime, mtime); err != nil {
		return o.escaped(err)
	}
	return nil
}
