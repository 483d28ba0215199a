package sftp

import (
	"errors"
	"log/slog"

	"github.com/pkg/sftp"

	"github.com/skypanel/skypanel/daemon/files"
)

// Sentinel errors of the server.
var (
	// ErrClosed: the Server was closed.
	ErrClosed = errors.New("sftp: server closed")
	// ErrReadOnly: the session's grant does not allow writes.
	ErrReadOnly = errors.New("read-only access: you lack the file edit permission on this server")
	// ErrTooManySessions: the server already has Options.MaxSessionsPerServer sessions.
	ErrTooManySessions = errors.New("too many SFTP sessions for this server")
	// ErrUnsupported: an operation the server does not offer (symlinks, hard links, chmod…).
	ErrUnsupported = errors.New("operation not supported")
)

// statusError is what a client is told: an SFTP status code and a message.
type statusError struct {
	code error // one of pkg/sftp's ErrSSHFx… codes
	msg  string
}

func (e *statusError) Error() string { return e.msg }

// Unwrap gives pkg/sftp the status code.
func (e *statusError) Unwrap() error { return e.code }

// status maps an error of a file operation to an SFTP status with a message for the client;
// unexpected errors are logged and sent as a plain failure (they may hold host paths).
func status(log *slog.Logger, op string, err error) error {
	if err == nil {
		return nil
	}
	var pe *files.PathError
	msg := err.Error()
	if errors.As(err, &pe) {
		msg = pe.Path + ": " + pe.Reason
	}
	switch {
	case errors.Is(err, ErrReadOnly):
		return &statusError{sftp.ErrSSHFxPermissionDenied, err.Error()}
	case errors.Is(err, ErrDenied):
		return &statusError{sftp.ErrSSHFxPermissionDenied, "access to this server ended (deleted, suspended or moved)"}
	case errors.Is(err, ErrUnsupported):
		return &statusError{sftp.ErrSSHFxOpUnsupported, err.Error()}
	case errors.Is(err, files.ErrNotFound):
		return &statusError{sftp.ErrSSHFxNoSuchFile, msg}
	case errors.Is(err, files.ErrPathInvalid):
		return &statusError{sftp.ErrSSHFxPermissionDenied, msg}
	case errors.Is(err, files.ErrConflict), errors.Is(err, files.ErrDiskLimit), errors.Is(err, files.ErrIncomplete):
		return &statusError{sftp.ErrSSHFxFailure, msg}
	}
	log.Warn("sftp operation failed", "op", op, "err", err)
	return &statusError{sftp.ErrSSHFxFailure, op + " failed"}
}
