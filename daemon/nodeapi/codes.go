package nodeapi

import (
	"errors"
	"net/http"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/backup"
	"github.com/skypanel/skypanel/daemon/files"
	"github.com/skypanel/skypanel/daemon/install"
	"github.com/skypanel/skypanel/gen/daemonapi"
	rt "github.com/skypanel/skypanel/runtime"
)

// codeEntry maps sentinels to one wire code and HTTP status. The first sentinel of an entry
// is the one ErrorFor returns for the code; also are sentinels the returned error matches too.
type codeEntry struct {
	code   daemonapi.DaemonErrorCode
	status int
	errs   []error
	also   []error
}

// codes is THE table between the daemon's sentinels, the wire codes of daemon.yaml and HTTP.
// CodeOf tries the entries in order (ErrBusy before ErrInvalidState, which it is wrapped with);
// every DaemonErrorCode has exactly one entry.
var codes = []codeEntry{
	{code: daemonapi.DaemonErrorCodeErrUnauthorized, status: http.StatusUnauthorized, errs: []error{ErrUnauthorized}},
	{code: daemonapi.DaemonErrorCodeErrFieldInvalid, status: http.StatusBadRequest, errs: []error{ErrFieldInvalid}},
	{code: daemonapi.DaemonErrorCodeErrUnsupportedMediaType, status: http.StatusUnsupportedMediaType, errs: []error{ErrUnsupportedMediaType}},
	{code: daemonapi.DaemonErrorCodeErrServerNotFound, status: http.StatusNotFound, errs: []error{daemon.ErrNotFound}},
	{code: daemonapi.DaemonErrorCodeErrServerExists, status: http.StatusConflict, errs: []error{daemon.ErrExists}},
	{code: daemonapi.DaemonErrorCodeErrBusy, status: http.StatusConflict, errs: []error{daemon.ErrBusy}, also: []error{daemon.ErrInvalidState}},
	{code: daemonapi.DaemonErrorCodeErrServerSuspended, status: http.StatusConflict, errs: []error{daemon.ErrSuspended}},
	{code: daemonapi.DaemonErrorCodeErrInvalidState, status: http.StatusConflict, errs: []error{daemon.ErrInvalidState, rt.ErrRunning}},
	{code: daemonapi.DaemonErrorCodeErrNotRunning, status: http.StatusConflict, errs: []error{daemon.ErrNotRunning, rt.ErrNotRunning}},
	{code: daemonapi.DaemonErrorCodeErrInvalidDefinition, status: http.StatusBadRequest,
		errs: []error{daemon.ErrInvalidDefinition, rt.ErrInvalidSpec, install.ErrInvalidPlan, install.ErrUnsafePath, install.ErrVersionNotFound}},
	{code: daemonapi.DaemonErrorCodeErrOverDiskLimit, status: http.StatusConflict, errs: []error{daemon.ErrOverDiskLimit}},
	{code: daemonapi.DaemonErrorCodeErrNoUID, status: http.StatusConflict, errs: []error{daemon.ErrNoUID}},
	{code: daemonapi.DaemonErrorCodeErrPathInvalid, status: http.StatusBadRequest, errs: []error{files.ErrPathInvalid}},
	{code: daemonapi.DaemonErrorCodeErrFileNotFound, status: http.StatusNotFound, errs: []error{files.ErrNotFound}},
	{code: daemonapi.DaemonErrorCodeErrFileConflict, status: http.StatusConflict, errs: []error{files.ErrConflict}},
	{code: daemonapi.DaemonErrorCodeErrDiskLimit, status: http.StatusRequestEntityTooLarge, errs: []error{files.ErrDiskLimit}},
	{code: daemonapi.DaemonErrorCodeErrUploadIncomplete, status: http.StatusBadRequest, errs: []error{files.ErrIncomplete}},
	{code: daemonapi.DaemonErrorCodeErrBackupNotFound, status: http.StatusNotFound, errs: []error{backup.ErrNotFound}},
	{code: daemonapi.DaemonErrorCodeErrBackupInProgress, status: http.StatusConflict, errs: []error{backup.ErrInProgress}},
	{code: daemonapi.DaemonErrorCodeErrBackupLimit, status: http.StatusConflict, errs: []error{backup.ErrLimit}},
	{code: daemonapi.DaemonErrorCodeErrBackupFailed, status: http.StatusConflict, errs: []error{backup.ErrFailed}},
	{code: daemonapi.DaemonErrorCodeErrBackupCorrupt, status: http.StatusConflict, errs: []error{backup.ErrCorrupt}},
	{code: daemonapi.DaemonErrorCodeErrBackupSparse, status: http.StatusConflict, errs: []error{backup.ErrSparse}},
	{code: daemonapi.DaemonErrorCodeErrArchiveInvalid, status: http.StatusBadRequest, errs: []error{ErrArchiveInvalid}},
	{code: daemonapi.DaemonErrorCodeErrChecksumMismatch, status: http.StatusBadRequest, errs: []error{ErrChecksumMismatch, install.ErrChecksum}},
	{code: daemonapi.DaemonErrorCodeErrRuntimeUnavailable, status: http.StatusServiceUnavailable,
		errs: []error{rt.ErrUnavailable, install.ErrNoRuntime, daemon.ErrClosed, backup.ErrClosed}},
	{code: daemonapi.DaemonErrorCodeErrImageUnavailable, status: http.StatusBadRequest, errs: []error{rt.ErrImage}},
	{code: daemonapi.DaemonErrorCodeErrRouteNotFound, status: http.StatusNotFound, errs: []error{ErrRouteNotFound}},
	{code: daemonapi.DaemonErrorCodeErrMethodNotAllowed, status: http.StatusMethodNotAllowed, errs: []error{ErrMethodNotAllowed}},
	{code: daemonapi.DaemonErrorCodeErrInternal, status: http.StatusInternalServerError,
		errs: []error{ErrInternal, rt.ErrExists, rt.ErrNotFound, install.ErrInvalidConfig, install.ErrDownload, install.ErrCommandFailed}},
}

// CodeOf returns the wire code and HTTP status of err: the first table entry one of whose
// sentinels err matches, else ErrInternal and 500.
func CodeOf(err error) (daemonapi.DaemonErrorCode, int) {
	for _, e := range codes {
		for _, s := range e.errs {
			if errors.Is(err, s) {
				return e.code, e.status
			}
		}
	}
	return daemonapi.DaemonErrorCodeErrInternal, http.StatusInternalServerError
}

// ErrorFor rebuilds an error from a wire code and message: Error() is msg and errors.Is
// matches the code's first sentinel (and for ErrBusy also daemon.ErrInvalidState). An unknown
// code gives an error matching ErrInternal.
func ErrorFor(code daemonapi.DaemonErrorCode, msg string) error {
	for _, e := range codes {
		if e.code == code {
			return &codeError{msg: msg, errs: append([]error{e.errs[0]}, e.also...)}
		}
	}
	return &codeError{msg: msg, errs: []error{ErrInternal}}
}

// codeError is an error received from a node: its message, matching the code's sentinels.
type codeError struct {
	msg  string
	errs []error
}

func (e *codeError) Error() string   { return e.msg }
func (e *codeError) Unwrap() []error { return e.errs }
