package files

import (
	"errors"
	"fmt"
)

// Sentinel errors; functions wrap them (see PathError) and callers match with errors.Is.
var (
	// ErrPathInvalid: the path is malformed, leaves the volume (also through a symlink), names
	// the root where that is not possible, or names something that is not a file or folder.
	ErrPathInvalid = errors.New("invalid path")
	// ErrNotFound: nothing exists at the path.
	ErrNotFound = errors.New("file not found")
	// ErrConflict: the path exists with the wrong kind (a folder where a file is written, a
	// file where a folder is needed).
	ErrConflict = errors.New("file conflict")
	// ErrDiskLimit: the write would pass the server's disk limit.
	ErrDiskLimit = errors.New("disk limit reached")
	// ErrIncomplete: the upload's body ended early (client gone, truncated chunked body).
	ErrIncomplete = errors.New("upload incomplete")
)

// PathError says which path failed and why; Unwrap returns the sentinel.
type PathError struct {
	Path   string // as the client sent it
	Reason string
	Err    error // one of the sentinels, or an error wrapping one (LimitError)
}

func (e *PathError) Error() string { return fmt.Sprintf("%s: %q: %s", e.Err, e.Path, e.Reason) }

func (e *PathError) Unwrap() error { return e.Err }

func invalidPath(p, reason string) error {
	return &PathError{Path: p, Reason: reason, Err: ErrPathInvalid}
}

// LimitError is ErrDiskLimit with the figures.
type LimitError struct {
	LimitBytes int64
	UsedBytes  int64
}

func (e *LimitError) Error() string { return ErrDiskLimit.Error() }

// limitError is the error of a write refused by the disk limit.
func limitError(p string, limit, used int64) error {
	return &PathError{Path: p, Err: &LimitError{LimitBytes: limit, UsedBytes: used},
		Reason: fmt.Sprintf("the server's disk limit is %d MiB (%d MiB used)", limit>>20, used>>20)}
}

func (e *LimitError) Unwrap() error { return ErrDiskLimit }
