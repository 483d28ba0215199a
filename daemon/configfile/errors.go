package configfile

import "errors"

// Sentinel errors; Validate and Apply wrap them with %w and a message naming the file and key.
var (
	// ErrInvalid: the File itself is malformed (path, parser, key syntax, or a value the
	// parser cannot write).
	ErrInvalid = errors.New("invalid configuration file rule")
	// ErrMalformed: the existing file cannot be parsed by its parser; it is left untouched.
	ErrMalformed = errors.New("malformed configuration file")
	// ErrTooLarge: the existing file is larger than MaxSize.
	ErrTooLarge = errors.New("configuration file too large")
	// ErrNotRegular: something other than a regular file (a folder, a device) is at the path,
	// or a folder on the path is a file.
	ErrNotRegular = errors.New("not a regular file")
	// ErrUnsafePath: the path, through a symbolic link, leaves the server folder.
	ErrUnsafePath = errors.New("path outside the server folder")
	// ErrKey: a key does not fit the file's structure (a path through a scalar, a list index
	// out of range, an XML root of another name).
	ErrKey = errors.New("key does not fit the file")
)
