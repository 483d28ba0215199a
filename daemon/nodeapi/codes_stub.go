package nodeapi

// TEMPORARY (helper "http"): a minimal CodeOf so the handler compiles and is tested before
// helper "svc"'s code table (codes.go) lands on main. Delete this file when merging main brings
// codes.go; the handler only calls CodeOf(err) (daemonapi.DaemonErrorCode, int).

import (
	"errors"
	"net/http"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/files"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// Sentinels of the node API (helper "svc" declares the same names in errors.go).
var (
	ErrUnauthorized         = errors.New("unauthorized")
	ErrFieldInvalid         = errors.New("invalid request field")
	ErrUnsupportedMediaType = errors.New("unsupported media type")
)

// CodeOf maps an error of the daemon's packages to its wire code and HTTP status.
func CodeOf(err error) (daemonapi.DaemonErrorCode, int) {
	switch {
	case errors.Is(err, ErrUnauthorized):
		return daemonapi.DaemonErrorCodeErrUnauthorized, http.StatusUnauthorized
	case errors.Is(err, ErrFieldInvalid):
		return daemonapi.DaemonErrorCodeErrFieldInvalid, http.StatusBadRequest
	case errors.Is(err, ErrUnsupportedMediaType):
		return daemonapi.DaemonErrorCodeErrUnsupportedMediaType, http.StatusUnsupportedMediaType
	case errors.Is(err, daemon.ErrNotFound):
		return daemonapi.DaemonErrorCodeErrServerNotFound, http.StatusNotFound
	case errors.Is(err, daemon.ErrInvalidState):
		return daemonapi.DaemonErrorCodeErrInvalidState, http.StatusConflict
	case errors.Is(err, files.ErrNotFound):
		return daemonapi.DaemonErrorCodeErrFileNotFound, http.StatusNotFound
	case errors.Is(err, files.ErrDiskLimit):
		return daemonapi.DaemonErrorCodeErrDiskLimit, http.StatusRequestEntityTooLarge
	}
	return daemonapi.DaemonErrorCodeErrInternal, http.StatusInternalServerError
}
