package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"
)

// TempPrefix starts the name of an upload in progress; walks for backups skip such files.
const TempPrefix = ".skypanel-upload-"

// maxDepth bounds the folder depth of a walk (each level holds one descriptor).
const maxDepth = 256

// WalkFunc is called by Walk for every entry: rel is its path from the walk's root ("/"
// separators), dir the Root of its folder (open it with dir.OpenFile(name, …)) and fi its
// Lstat (symlinks are reported, never followed). Returning fs.SkipDir for a folder skips its
// content; any other error stops the walk.
type WalkFunc func(rel string, dir *os.Root, name string, fi fs.FileInfo) error

// Walk visits everything under root, parents before their content, names sorted bytewise.
// Each folder is opened as its own os.Root beneath its parent's, so every lookup is one
// component relative to an open folder: nothing outside root is reached, even when folders
// are replaced by symlinks during the walk. Entries that vanish during the walk are skipped.
func Walk(root *os.Root, fn WalkFunc) error {
	return walkDir(root, "", fn, 0)
}

func walkDir(dir *os.Root, prefix string, fn WalkFunc, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: folders nested deeper than %d levels at %q", ErrPathInvalid, maxDepth, prefix)
	}
	names, err := readNames(dir)
	if err != nil {
		return err
	}
	for _, name := range names {
		fi, err := dir.Lstat(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("stat %s%s: %w", prefix, name, err)
		}
		rel := prefix + name
		err = fn(rel, dir, name, fi)
		if errors.Is(err, fs.SkipDir) {
			continue
		}
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			continue
		}
		sub, err := dir.OpenRoot(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("open folder %s: %w", rel, err)
		}
		err = walkDir(sub, rel+"/", fn, depth+1)
		_ = sub.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// readNames lists a folder's names, sorted.
func readNames(dir *os.Root) ([]string, error) {
	f, err := dir.Open(".")
	if err != nil {
		return nil, fmt.Errorf("open folder: %w", err)
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("read folder: %w", err)
	}
	slices.Sort(names)
	return names, nil
}

// IsTemp reports whether a name is an upload in progress: exactly what TempName makes
// (TempPrefix, 16 lowercase hex digits, ".tmp"), so a tenant's own file that merely starts
// with TempPrefix is listed, backed up and never removed as a leftover.
func IsTemp(name string) bool {
	rnd, ok := strings.CutPrefix(name, TempPrefix)
	if !ok {
		return false
	}
	rnd, ok = strings.CutSuffix(rnd, ".tmp")
	if !ok || len(rnd) != 16 {
		return false
	}
	for _, c := range []byte(rnd) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// TempName returns a fresh name for an upload in progress.
func TempName() string { return TempPrefix + randomName() + ".tmp" }

// size walks r and returns the apparent size of its regular files; upload temporaries last
// modified before the given time (left by a process that died) are removed on the way, the
// others (uploads in progress, whose bytes are reserved) are not counted.
func size(r *os.Root, leftBefore time.Time) (int64, error) {
	var total int64
	err := Walk(r, func(rel string, dir *os.Root, name string, fi fs.FileInfo) error {
		if !fi.Mode().IsRegular() {
			return nil
		}
		if IsTemp(name) {
			if !fi.ModTime().Before(leftBefore) {
				return nil // an upload in progress: its bytes are reserved, Commit adds them
			}
			if err := dir.Remove(name); err == nil || errors.Is(err, fs.ErrNotExist) {
				return nil
			}
		}
		total += fi.Size()
		return nil
	})
	return total, err
}
