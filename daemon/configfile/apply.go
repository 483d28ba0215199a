package configfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"

	"github.com/skypanel/skypanel/daemon/files"
)

// MaxSize is the largest existing file Apply reads.
const MaxSize = 4 << 20

// utf8BOM starts some files written on Windows; parsers get the content without it and the
// rewritten file keeps it.
var utf8BOM = []byte("\ufeff")

// maxLinks bounds the symbolic links followed while resolving a path (like the kernel's 40).
const maxLinks = 40

// beforeRename runs between writing the temporary file and renaming it into place (tests
// make it fail to check that the old file survives).
var beforeRename = func(tmp string) error { return nil }

// beforeOpen runs between the Lstat of an existing file and its open (tests swap the file).
var beforeOpen = func(target string) {}

// Apply sets f's keys in the file under root, creating it (and its folders, owned by owner)
// when missing. An unchanged file is not rewritten. See the package doc for the rules.
func Apply(root *os.Root, f File, owner Owner) error {
	if err := Validate(f); err != nil {
		return err
	}
	target, err := resolve(root, f.Path)
	if err != nil {
		return err
	}
	old, info, err := read(root, f.Path, target)
	if err != nil {
		return err
	}
	body, bom := bytes.CutPrefix(old, utf8BOM)
	out, err := parsers[f.Parser].edit(body, f.Set)
	if err != nil {
		return fmt.Errorf("file %q: %w", f.Path, err)
	}
	if bom {
		out = append(slices.Clip(utf8BOM), out...)
	}
	if info != nil && bytes.Equal(out, old) {
		return nil
	}
	if err := write(root, target, out, info, owner); err != nil {
		return fmt.Errorf("write %q: %w", f.Path, err)
	}
	return nil
}

// resolve follows the symbolic links of p inside root and returns the real path (no link in
// it); missing parts are kept as they are. An absolute link target, or a ".." above the
// root, is ErrUnsafePath.
func resolve(root *os.Root, p string) (string, error) {
	todo := strings.Split(p, "/")
	var done []string
	links := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(done) == 0 {
				return "", fmt.Errorf("%w: %q (through a symbolic link)", ErrUnsafePath, p)
			}
			done = done[:len(done)-1]
			continue
		}
		cur := strings.Join(append(done, c), "/")
		fi, err := root.Lstat(cur)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			done = append(done, c)
			continue
		case errors.Is(err, syscall.ENOTDIR):
			return "", fmt.Errorf("%w: %q: a folder on the path is a file", ErrNotRegular, p)
		case err != nil:
			return "", fmt.Errorf("%q: %w", p, err)
		case fi.Mode()&fs.ModeSymlink == 0:
			done = append(done, c)
			continue
		}
		if links++; links > maxLinks {
			return "", fmt.Errorf("%w: %q: too many symbolic links", ErrUnsafePath, p)
		}
		target, err := root.Readlink(cur)
		if err != nil {
			return "", fmt.Errorf("%q: %w", p, err)
		}
		if path.IsAbs(target) {
			return "", fmt.Errorf("%w: %q: %q links to the absolute path %q", ErrUnsafePath, p, cur, target)
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	if len(done) == 0 {
		return "", fmt.Errorf("%w: %q is the server folder itself", ErrNotRegular, p)
	}
	return strings.Join(done, "/"), nil
}

// read returns the content and info of the regular file at target (nil, nil when missing).
func read(root *os.Root, p, target string) ([]byte, fs.FileInfo, error) {
	fi, err := root.Lstat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, nil
	case errors.Is(err, syscall.ENOTDIR):
		return nil, nil, fmt.Errorf("%w: %q: a folder on the path is a file", ErrNotRegular, p)
	case err != nil:
		return nil, nil, fmt.Errorf("%q: %w", p, err)
	case !fi.Mode().IsRegular():
		return nil, nil, fmt.Errorf("%w: %q is a %s", ErrNotRegular, p, kind(fi.Mode()))
	case fi.Size() > MaxSize:
		return nil, nil, fmt.Errorf("%w: %q has %d bytes, more than %d", ErrTooLarge, p, fi.Size(), MaxSize)
	}
	beforeOpen(target)
	// O_NONBLOCK: a FIFO swapped in since the Lstat must not block the open (and the start).
	f, err := root.OpenFile(target, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("%q: %w", p, err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, nil, fmt.Errorf("%q: %w", p, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%w: %q is a %s", ErrNotRegular, p, kind(fi.Mode()))
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read %q: %w", p, err)
	}
	if len(b) > MaxSize {
		return nil, nil, fmt.Errorf("%w: %q grew past %d bytes", ErrTooLarge, p, MaxSize)
	}
	return b, fi, nil
}

func kind(m fs.FileMode) string {
	if m.IsDir() {
		return "folder"
	}
	return "special file"
}

// write replaces target with data atomically: a temporary file next to it, then a rename. A
// new file gets 0644 and owner, an existing one keeps its mode and owner.
func write(root *os.Root, target string, data []byte, old fs.FileInfo, owner Owner) (err error) {
	dir := path.Dir(target)
	perm := fs.FileMode(0o644)
	uid, gid := owner.UID, owner.GID
	if old == nil {
		if err := mkdirs(root, dir, owner); err != nil {
			return err
		}
	} else {
		perm = old.Mode().Perm()
		uid, gid = fileOwner(old)
	}
	tmp := path.Join(dir, files.TempName()) // a leftover is hidden, not backed up and removed like an upload's
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, perm)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = root.Remove(tmp)
		}
	}()
	if err := chown(f, uid, gid); err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil { // umask-independent
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := beforeRename(tmp); err != nil {
		return err
	}
	return root.Rename(tmp, target)
}

// fileOwner is the uid and gid of an existing file (-1 when unknown).
func fileOwner(fi fs.FileInfo) (int, int) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), int(st.Gid)
	}
	return -1, -1
}

// chown gives f to uid/gid unless it already has them (so an unprivileged daemon keeping
// its own files never needs CAP_CHOWN).
func chown(f *os.File, uid, gid int) error {
	if uid < 0 && gid < 0 {
		return nil
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if cu, cg := fileOwner(fi); (uid < 0 || uid == cu) && (gid < 0 || gid == cg) {
		return nil
	}
	if err := f.Chown(uid, gid); err != nil {
		return fmt.Errorf("give the file to %d:%d: %w", uid, gid, err)
	}
	return nil
}

// mkdirs creates dir and its missing parents (0755, owned by owner). dir has no symbolic
// links (resolve removed them); os.Root still refuses any that appear meanwhile.
func mkdirs(root *os.Root, dir string, owner Owner) error {
	if dir == "." {
		return nil
	}
	parts := strings.Split(dir, "/")
	for i := range parts {
		cur := strings.Join(parts[:i+1], "/")
		err := root.Mkdir(cur, 0o755)
		if errors.Is(err, fs.ErrExist) {
			fi, serr := root.Lstat(cur)
			if serr != nil {
				return serr
			}
			if !fi.IsDir() {
				return fmt.Errorf("%w: %q is a file, not a folder", ErrNotRegular, cur)
			}
			continue
		}
		if err != nil {
			return err
		}
		if owner.UID >= 0 || owner.GID >= 0 {
			if err := root.Lchown(cur, owner.UID, owner.GID); err != nil {
				return fmt.Errorf("give folder %q to %d:%d: %w", cur, owner.UID, owner.GID, err)
			}
		}
		if err := root.Chmod(cur, 0o755); err != nil { // umask-independent
			return err
		}
	}
	return nil
}
