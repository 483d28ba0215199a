package install

import (
	"errors"

	dfiles "github.com/skypanel/skypanel/daemon/files"
)

// Sentinel errors; step errors wrap them with %w and a message naming the file or URL.
var (
	// ErrInvalidConfig: a Config value (base URL, mirror, timeout) is malformed.
	ErrInvalidConfig = errors.New("invalid installer configuration")
	// ErrInvalidPlan: the install plan or a step is malformed (or a placeholder is unknown).
	ErrInvalidPlan = errors.New("invalid install plan")
	// ErrDownload: an HTTP request failed (status, network, timeout or a stalled body).
	ErrDownload = errors.New("download failed")
	// ErrChecksum: a downloaded file does not match its expected hash or size.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrUnsafePath: a path or archive entry would land outside the server folder.
	ErrUnsafePath = errors.New("path outside the server folder")
	// ErrVersionNotFound: the requested game version or build does not exist upstream.
	ErrVersionNotFound = errors.New("version not found")
	// ErrCommandFailed: an install command exited with a non-zero code.
	ErrCommandFailed = errors.New("install command failed")
	// ErrDiskLimit: a download or extraction would pass the server's disk limit (it is
	// dfiles.ErrDiskLimit, so callers match either).
	ErrDiskLimit = dfiles.ErrDiskLimit
	// ErrNoRuntime: a command step needs the server's runtime and it is not available.
	ErrNoRuntime = errors.New("runtime unavailable for install commands")
)
