package transfer

import "errors"

// Sentinel errors; match them with errors.Is.
var (
	// ErrArchiveInvalid: the stream is not a complete, safe transfer archive (an unsafe name,
	// an unsupported entry type, a truncated stream, a bad end marker, oversize metadata).
	ErrArchiveInvalid = errors.New("invalid transfer archive")
	// ErrChecksumMismatch: the stream's sha256 is not the expected one.
	ErrChecksumMismatch = errors.New("transfer archive checksum mismatch")
	// ErrNotEmpty: the target server already holds files or backups.
	ErrNotEmpty = errors.New("the target server is not empty")
)
