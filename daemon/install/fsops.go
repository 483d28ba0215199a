package install

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"
	"syscall"
)

// maxAlterBytes bounds the file an alterfile step rewrites in memory.
const maxAlterBytes = 64 << 20

// owner is who files created in the server folder must belong to: the folder's owner (the
// runtime's unprivileged user). Only a root daemon can (and needs to) give files away.
type owner struct {
	uid, gid int
	chown    bool
}

func ownerOf(dir string) owner {
	fi, err := os.Stat(dir)
	if err != nil || os.Geteuid() != 0 {
		return owner{}
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || (st.Uid == 0 && st.Gid == 0) {
		return owner{}
	}
	return owner{uid: int(st.Uid), gid: int(st.Gid), chown: true}
}

// give hands name (not following a symlink) to the folder's owner.
func (r *run) give(name string) error {
	if !r.owner.chown {
		return nil
	}
	if err := r.root.Lchown(name, r.owner.uid, r.owner.gid); err != nil {
		return fmt.Errorf("give %s to uid %d: %w", name, r.owner.uid, err)
	}
	return nil
}

// clean turns a step path into a clean path relative to the server folder ("." for the folder
// itself). Absolute paths and paths leaving the folder are ErrUnsafePath.
func clean(p string) (string, error) {
	if p == "" {
		return ".", nil
	}
	if strings.HasPrefix(p, "/") || strings.ContainsRune(p, 0) {
		return "", fmt.Errorf("%w: %q is not a relative path", ErrUnsafePath, p)
	}
	c := path.Clean(p)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("%w: %q", ErrUnsafePath, p)
	}
	return c, nil
}

// mkdirAll creates name and its missing parents (0755), giving each new folder to the owner.
func (r *run) mkdirAll(name string) error {
	c, err := clean(name)
	if err != nil || c == "." {
		return err
	}
	return r.mkdirIn(r.root, c)
}

// mkdirIn creates the clean relative folder c and its missing parents under root.
func (r *run) mkdirIn(root *os.Root, c string) error {
	cur := ""
	for _, part := range strings.Split(c, "/") {
		cur = path.Join(cur, part)
		fi, err := root.Lstat(cur)
		switch {
		case err == nil && fi.IsDir():
			continue
		case err == nil:
			return fmt.Errorf("create folder %s: %s exists and is not a folder", c, cur)
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("create folder %s: %w", c, err)
		}
		if err := root.Mkdir(cur, 0o755); err != nil {
			return fmt.Errorf("create folder %s: %w", c, err)
		}
		if r.owner.chown {
			if err := root.Lchown(cur, r.owner.uid, r.owner.gid); err != nil {
				return fmt.Errorf("give %s to uid %d: %w", cur, r.owner.uid, err)
			}
		}
	}
	return nil
}

// tempName is a fresh hidden name beside name.
func tempName(name string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return path.Join(path.Dir(name), "."+path.Base(name)+".tmp-"+hex.EncodeToString(b[:]))
}

// writeFile atomically replaces name with data (temp file, fsync, rename), keeping the mode
// of an existing file (0644 for a new one).
func (r *run) writeFile(name string, data []byte) error {
	c, err := clean(name)
	if err != nil {
		return err
	}
	if c == "." {
		return fmt.Errorf("%w: writefile needs a file name", ErrInvalidPlan)
	}
	if err := r.mkdirAll(path.Dir(c)); err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if fi, err := r.root.Lstat(c); err == nil {
		if fi.IsDir() {
			return fmt.Errorf("write %s: it is a folder", c)
		}
		mode = fi.Mode().Perm()
	}
	tmp := tempName(c)
	err = r.writeTemp(tmp, data, mode)
	if err == nil {
		err = r.root.Rename(tmp, c)
	}
	if err != nil {
		_ = r.root.Remove(tmp)
		return fmt.Errorf("write %s: %w", c, err)
	}
	return nil
}

func (r *run) writeTemp(tmp string, data []byte, mode os.FileMode) error {
	f, err := r.root.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode) // not narrowed by the umask
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = r.give(tmp)
	}
	return err
}

// move moves source (a path or a glob pattern) to target. Like mv: when target is an existing
// folder, ".", ends with "/" or the pattern matches several paths, the matches go into it;
// otherwise the one match is renamed to target. Folders merge into existing folders; files
// replace files.
func (r *run) move(source, target string) error {
	src, err := clean(source)
	if err != nil {
		return err
	}
	dst, err := clean(target)
	if err != nil {
		return err
	}
	if src == "." {
		return fmt.Errorf("%w: cannot move the server folder itself", ErrUnsafePath)
	}
	matches := []string{src}
	if strings.ContainsAny(src, "*?[") {
		if matches, err = fs.Glob(r.root.FS(), src); err != nil {
			return fmt.Errorf("%w: source pattern %q: %v", ErrInvalidPlan, source, err)
		}
	} else if _, err := r.root.Lstat(src); err != nil {
		return fmt.Errorf("move %s: %w", src, err)
	}
	if len(matches) == 0 {
		return fmt.Errorf("move: nothing matches %q: %w", source, fs.ErrNotExist)
	}
	into := dst == "." || strings.HasSuffix(target, "/") || len(matches) > 1 || strings.ContainsAny(src, "*?[")
	if fi, err := r.root.Lstat(dst); err == nil && fi.IsDir() {
		into = true
	}
	if !into {
		return r.merge(matches[0], dst)
	}
	if err := r.mkdirAll(dst); err != nil {
		return err
	}
	for _, m := range matches {
		if err := r.merge(m, path.Join(dst, path.Base(m))); err != nil {
			return err
		}
	}
	return nil
}

// merge renames src to dst; a folder merges into an existing folder, anything else replaces dst.
func (r *run) merge(src, dst string) error {
	if src == dst {
		return nil
	}
	dfi, err := r.root.Lstat(dst)
	if errors.Is(err, fs.ErrNotExist) {
		if err := r.mkdirAll(path.Dir(dst)); err != nil {
			return err
		}
		if err := r.root.Rename(src, dst); err != nil {
			return fmt.Errorf("move %s to %s: %w", src, dst, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("move %s to %s: %w", src, dst, err)
	}
	sfi, err := r.root.Lstat(src)
	if err != nil {
		return fmt.Errorf("move %s: %w", src, err)
	}
	if sfi.IsDir() && dfi.IsDir() {
		entries, err := fs.ReadDir(r.root.FS(), src)
		if err != nil {
			return fmt.Errorf("move %s: %w", src, err)
		}
		for _, e := range entries {
			if err := r.merge(path.Join(src, e.Name()), path.Join(dst, e.Name())); err != nil {
				return err
			}
		}
		return r.root.Remove(src)
	}
	if err := r.root.RemoveAll(dst); err != nil {
		return fmt.Errorf("replace %s: %w", dst, err)
	}
	if err := r.root.Rename(src, dst); err != nil {
		return fmt.Errorf("move %s to %s: %w", src, dst, err)
	}
	return nil
}

// alterFile replaces Search with Replace in Target (every occurrence; with Regex, a regular
// expression whose Replace may use $1). A missing file is an error; no match leaves it as is.
func (r *run) alterFile(s Step) error {
	c, err := clean(s.Target)
	if err != nil {
		return err
	}
	fi, err := r.root.Stat(c)
	if err != nil {
		return fmt.Errorf("alterfile %s: %w", c, err)
	}
	if fi.IsDir() || fi.Size() > maxAlterBytes {
		return fmt.Errorf("alterfile %s: not a regular file of at most %d MiB", c, maxAlterBytes>>20)
	}
	data, err := r.root.ReadFile(c)
	if err != nil {
		return fmt.Errorf("alterfile %s: %w", c, err)
	}
	var out string
	var n int
	if s.Regex {
		re, err := regexp.Compile(s.Search)
		if err != nil {
			return fmt.Errorf("%w: alterfile search: %v", ErrInvalidPlan, err)
		}
		n = len(re.FindAllIndex(data, -1))
		out = re.ReplaceAllString(string(data), s.Replace)
	} else {
		n = strings.Count(string(data), s.Search)
		out = strings.ReplaceAll(string(data), s.Search, s.Replace)
	}
	if n == 0 {
		r.say("alterfile: %q not found in %s; file unchanged", s.Search, c)
		return nil
	}
	r.say("alterfile: %d replacement(s) in %s", n, c)
	return r.writeFile(c, []byte(out))
}
