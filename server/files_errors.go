package server

import (
	"errors"
	"net/http"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/backup"
	"github.com/skypanel/skypanel/daemon/files"
)

// Error codes of the file manager and backups (the spec's ErrorCode enum).
const (
	CodePathInvalid      = "ErrPathInvalid"
	CodeFileNotFound     = "ErrFileNotFound"
	CodeDiskLimit        = "ErrDiskLimit"
	CodeBackupNotFound   = "ErrBackupNotFound"
	CodeBackupLimit      = "ErrBackupLimit"
	CodeBackupInProgress = "ErrBackupInProgress"
)

// mapDiskError maps a start refused because the server's folder is over its disk limit: 409
// (the server's state forbids it; nothing was too large in the request) with the figures.
func mapDiskError(err error) *APIError {
	var de *daemon.DiskLimitError
	if !errors.As(err, &de) {
		return nil
	}
	return newAPIError(http.StatusConflict, CodeDiskLimit, de.Error(),
		map[string]any{"limitMiB": de.LimitBytes >> 20, "usedMiB": (de.UsedBytes + 1<<20 - 1) >> 20})
}

// mapFilesError maps the file manager's sentinels; metadata.path is the path as sent.
func mapFilesError(err error) *APIError {
	md := map[string]any{}
	var pe *files.PathError
	if errors.As(err, &pe) {
		md["path"] = pe.Path
	}
	var le *files.LimitError
	if errors.As(err, &le) {
		md["limitMiB"] = le.LimitBytes >> 20
	}
	switch {
	case errors.Is(err, files.ErrPathInvalid):
		return newAPIError(http.StatusBadRequest, CodePathInvalid, err.Error(), md)
	case errors.Is(err, files.ErrNotFound):
		return newAPIError(http.StatusNotFound, CodeFileNotFound, err.Error(), md)
	case errors.Is(err, files.ErrConflict):
		return newAPIError(http.StatusConflict, CodeConflict, err.Error(), md)
	case errors.Is(err, files.ErrIncomplete):
		md["field"] = "body"
		return newAPIError(http.StatusBadRequest, CodeFieldInvalid, err.Error(), md)
	case errors.Is(err, files.ErrDiskLimit):
		return newAPIError(http.StatusRequestEntityTooLarge, CodeDiskLimit, err.Error(), md)
	}
	return nil
}

// mapBackupError maps the backup sentinels.
func mapBackupError(err error) *APIError {
	var le *backup.LimitError
	switch {
	case errors.As(err, &le):
		return newAPIError(http.StatusConflict, CodeBackupLimit, err.Error(), map[string]any{"max": le.Max})
	case errors.Is(err, backup.ErrNotFound):
		return newAPIError(http.StatusNotFound, CodeBackupNotFound, err.Error(), nil)
	case errors.Is(err, backup.ErrInProgress):
		return newAPIError(http.StatusConflict, CodeBackupInProgress, err.Error(), nil)
	case errors.Is(err, backup.ErrFailed), errors.Is(err, backup.ErrCorrupt):
		return newAPIError(http.StatusConflict, CodeConflict, err.Error(), nil)
	case errors.Is(err, backup.ErrClosed):
		return newAPIError(http.StatusServiceUnavailable, CodeNodeUnavailable, err.Error(), nil)
	}
	return nil
}
