package daemon

import "errors"

// Sentinel errors. Methods wrap them with %w and a message naming the server, field or state;
// match them with errors.Is.
var (
	// ErrNotFound: no server with that id on this node.
	ErrNotFound = errors.New("server not found")
	// ErrExists: a server with that id already exists with a different definition.
	ErrExists = errors.New("server already exists")
	// ErrInvalidState: the action is not possible in the server's current state
	// (e.g. "server is installing").
	ErrInvalidState = errors.New("invalid server state")
	// ErrBusy: another action holds the server (installing, starting, stopping); always
	// wrapped together with ErrInvalidState. Retry later.
	ErrBusy = errors.New("server is busy")
	// ErrSuspended: the server is suspended: start, restart and install are refused until a
	// definition without suspended arrives (stop and kill still work).
	ErrSuspended = errors.New("server is suspended")
	// ErrNotRunning: the action needs a running process (e.g. a console command).
	ErrNotRunning = errors.New("server is not running")
	// ErrInvalidDefinition: the definition is invalid; the wrapping message names the field.
	ErrInvalidDefinition = errors.New("invalid server definition")
	// ErrOverDiskLimit: the server's folder holds more than its disk limit (DiskLimitError has
	// the figures): it is not started until files are deleted.
	ErrOverDiskLimit = errors.New("server is over its disk limit")
	// ErrNoUID: every uid of Options.StandardUIDs is taken by a server.
	ErrNoUID = errors.New("no free uid for a standard server")
	// ErrClosed: the manager was closed.
	ErrClosed = errors.New("daemon manager closed")
)
