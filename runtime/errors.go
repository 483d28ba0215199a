package runtime

import "errors"

// Sentinel errors; implementations wrap them with %w.
var (
	ErrExists      = errors.New("instance already exists")
	ErrNotFound    = errors.New("instance not found")
	ErrNotRunning  = errors.New("instance is not running")
	ErrRunning     = errors.New("instance is already running")
	ErrImage       = errors.New("image unavailable")
	ErrInvalidSpec = errors.New("invalid instance spec")
	ErrUnavailable = errors.New("runtime unavailable")
)
