package backup

import (
	"errors"
	"fmt"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrNotFound: no backup with that id for that server.
	ErrNotFound = errors.New("backup not found")
	// ErrInProgress: a backup of the server is running (or a restore), or the backup asked
	// for is still being written.
	ErrInProgress = errors.New("backup in progress")
	// ErrLimit: the server keeps as many backups as it may (LimitError has the figure).
	ErrLimit = errors.New("backup limit reached")
	// ErrFailed: the backup failed; it has no archive.
	ErrFailed = errors.New("backup failed")
	// ErrCorrupt: the archive does not match its checksum or is not a valid backup.
	ErrCorrupt = errors.New("backup archive corrupted")
	// ErrSparse: a file of the volume is mostly holes; backups refuse it rather than expand it.
	ErrSparse = errors.New("sparse file")
	// ErrClosed: the manager was closed.
	ErrClosed = errors.New("backup manager closed")
)

// LimitError is ErrLimit with the server's maximum.
type LimitError struct{ Max int }

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s: the server may keep %d backups; delete one first", ErrLimit, e.Max)
}

func (e *LimitError) Unwrap() error { return ErrLimit }
