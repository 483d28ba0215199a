package files

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
	"unicode/utf8"
)

// Limits of a path.
const (
	MaxPathBytes = 4096 // the spec's maxLength
	MaxNameBytes = 255  // NAME_MAX
	maxLinks     = 40   // symlinks followed in one resolution (Linux's MAXSYMLINKS)
)

// encoded are the percent-encodings of the characters a traversal needs; left in a path after
// its one URL decoding they mean double encoding.
var encoded = []string{"%2e", "%2f", "%5c", "%00"}

// Clean checks a client path and returns it relative to the volume, cleaned, with "/"
// separators; "." is the root. See the package doc for what it refuses (ErrPathInvalid).
func Clean(p string) (string, error) {
	switch {
	case len(p) > MaxPathBytes:
		return "", invalidPath(p, "longer than 4096 bytes")
	case strings.IndexByte(p, 0) >= 0:
		return "", invalidPath(p, "contains a NUL byte")
	case !utf8.ValidString(p):
		return "", invalidPath(p, "not valid UTF-8")
	case strings.IndexByte(p, '\\') >= 0:
		return "", invalidPath(p, "contains a backslash")
	}
	lower := strings.ToLower(p)
	for _, e := range encoded {
		if strings.Contains(lower, e) {
			return "", invalidPath(p, "contains a percent-encoded dot, slash, backslash or NUL (double encoding)")
		}
	}
	if p == "" || p == "/" || p == "." {
		return ".", nil
	}
	if p[0] == '/' {
		return "", invalidPath(p, "absolute paths are not allowed; paths are relative to the server's folder")
	}
	parts := make([]string, 0, strings.Count(p, "/")+1)
	for _, c := range strings.Split(p, "/") {
		switch {
		case c == "" || c == ".":
			continue
		case c == "..":
			return "", invalidPath(p, "`..` is not allowed")
		case len(c) > MaxNameBytes:
			return "", invalidPath(p, "a name is longer than 255 bytes")
		}
		parts = append(parts, c)
	}
	if len(parts) == 0 {
		return ".", nil
	}
	return strings.Join(parts, "/"), nil
}

// resolve follows the clean path p inside r, component by component, and returns the path of
// what it names with no symlink left in it (the part after a missing component is kept as
// given). A symlink that is absolute or climbs above the root, or more than maxLinks links,
// is ErrPathInvalid. With followLast false a final symlink is checked (it must stay inside)
// but not followed: the result names the link itself.
func resolve(r *os.Root, orig, p string, followLast bool) (string, error) {
	if !followLast {
		if _, err := resolve(r, orig, p, true); err != nil {
			return "", err
		}
	}
	var stack []string
	queue := splitPath(p)
	links := 0
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(stack) == 0 {
				return "", invalidPath(orig, "a symlink in the path leads outside the server's folder")
			}
			stack = stack[:len(stack)-1]
			continue
		}
		cur := joinPath(append(stack, c))
		fi, err := r.Lstat(cur)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
				// Missing: the rest cannot hold symlinks; keep it, lexically.
				return lexical(orig, append(stack, c), queue)
			}
			return "", classify(orig, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 || (!followLast && len(queue) == 0) {
			stack = append(stack, c)
			continue
		}
		if links++; links > maxLinks {
			return "", invalidPath(orig, "too many levels of symbolic links")
		}
		target, err := r.Readlink(cur)
		if err != nil {
			return "", classify(orig, err)
		}
		if target == "" || path.IsAbs(target) {
			return "", invalidPath(orig, "a symlink in the path leads outside the server's folder")
		}
		queue = append(splitPath(target), queue...)
	}
	return joinPath(stack), nil
}

// lexical finishes a resolution whose component stack[len-1] does not exist.
func lexical(orig string, stack, rest []string) (string, error) {
	for _, c := range rest {
		switch c {
		case "", ".":
		case "..":
			if len(stack) == 0 {
				return "", invalidPath(orig, "a symlink in the path leads outside the server's folder")
			}
			stack = stack[:len(stack)-1]
		default:
			stack = append(stack, c)
		}
	}
	return joinPath(stack), nil
}

func splitPath(p string) []string {
	if p == "." || p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func joinPath(parts []string) string {
	if len(parts) == 0 {
		return "."
	}
	return strings.Join(parts, "/")
}

// parent returns the folder of a clean relative path ("." for top-level names).
func parent(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return "."
}

// classify maps a file system error on path p to the package's sentinels; errors that are
// none of them are returned as they are (the caller reports a 500).
func classify(p string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrPathInvalid), errors.Is(err, ErrNotFound), errors.Is(err, ErrConflict),
		errors.Is(err, ErrDiskLimit), errors.Is(err, ErrIncomplete):
		return err
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return &PathError{Path: p, Reason: "no such file or folder", Err: ErrNotFound}
	case errors.Is(err, syscall.EISDIR):
		return &PathError{Path: p, Reason: "a folder exists at this path", Err: ErrConflict}
	case errors.Is(err, fs.ErrExist):
		return &PathError{Path: p, Reason: "something already exists at this path", Err: ErrConflict}
	case errors.Is(err, syscall.ELOOP):
		return invalidPath(p, "too many levels of symbolic links")
	case errors.Is(err, syscall.ENAMETOOLONG):
		return invalidPath(p, "name too long")
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return &PathError{Path: p, Reason: "the node's disk is full", Err: ErrDiskLimit}
	}
	return err
}

// escaped re-checks a path after an unexpected error: when the game swapped a folder for an
// escaping symlink while the request ran, os.Root refused to follow it and the answer is
// ErrPathInvalid, not an internal error.
func escaped(r *os.Root, orig, p string, err error) error {
	err = classify(orig, err)
	var pe *PathError
	if errors.As(err, &pe) {
		return err
	}
	if _, rerr := resolve(r, orig, p, true); errors.Is(rerr, ErrPathInvalid) {
		return rerr
	}
	return err
}
