package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/skypanel/skypanel/server/mysql"
	"github.com/skypanel/skypanel/server/store"
)

// Error codes of the database features (the spec's ErrorCode enum lists them).
const (
	CodeDatabaseHostNotFound = "ErrDatabaseHostNotFound"
	CodeDatabaseNotFound     = "ErrDatabaseNotFound"
	CodeDatabaseLimit        = "ErrDatabaseLimit"
)

// hostError is a failure of database host id; err wraps a sentinel of server/mysql or
// store.ErrDecrypt. Its text (which may quote SQL) is logged, never sent.
type hostError struct {
	id  int
	err error
}

func (e *hostError) Error() string { return fmt.Sprintf("database host %d: %v", e.id, e.err) }
func (e *hostError) Unwrap() error { return e.err }

func errDatabaseHostNotFound(id int64) *APIError {
	return errNotFound(CodeDatabaseHostNotFound, "Database host", id)
}

func errDatabaseNotFound(id int64) *APIError {
	return errNotFound(CodeDatabaseNotFound, "Database", id)
}

// mapDatabaseError turns database host failures into ErrDatabaseError with a message naming
// the host and, when the host reported one, the MySQL error number (never its text).
func mapDatabaseError(err error) *APIError {
	if errors.Is(err, mysql.ErrInvalidName) {
		return errFieldInvalid("databaseName", err.Error())
	}
	var he *hostError
	if !errors.As(err, &he) {
		return nil
	}
	md := map[string]any{"databaseHostId": he.id}
	detail := ""
	if n, ok := mysql.ErrorNumber(err); ok {
		md["mysqlError"] = n
		detail = fmt.Sprintf(" (MySQL error %d)", n)
	}
	hostErr := func(status int, format string) *APIError {
		return &APIError{Status: status, Code: CodeDatabaseError, Msg: fmt.Sprintf(format, he.id) + detail,
			Metadata: md, Cause: err}
	}
	switch {
	case errors.Is(err, mysql.ErrExists):
		return errConflict(fmt.Sprintf("a database or user of this name already exists on database host %d", he.id), md)
	case errors.Is(err, mysql.ErrUnreachable):
		return hostErr(http.StatusServiceUnavailable, "database host %d cannot be reached")
	case errors.Is(err, mysql.ErrAccessDenied):
		return hostErr(http.StatusInternalServerError,
			"database host %d refused the panel's credentials; an administrator must update the host")
	case errors.Is(err, mysql.ErrPrivileges):
		return hostErr(http.StatusInternalServerError,
			"the panel's account on database host %d lacks a privilege (it needs ALL PRIVILEGES ... WITH GRANT OPTION)")
	case errors.Is(err, mysql.ErrNoSuchUser):
		return hostErr(http.StatusInternalServerError, "the database user no longer exists on database host %d")
	case errors.Is(err, store.ErrDecrypt):
		return hostErr(http.StatusInternalServerError,
			"the stored password of database host %d cannot be decrypted (was the data folder's seal.key replaced?)")
	}
	return hostErr(http.StatusInternalServerError, "database host %d failed")
}
