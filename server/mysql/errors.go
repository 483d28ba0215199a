package mysql

import (
	"context"
	"errors"
	"fmt"
	"net"

	driver "github.com/go-sql-driver/mysql"
)

// Sentinel errors of the mysql package. Callers match them with errors.Is; the wrapped cause
// (driver error, SQL message) is for logs only and never shown to API clients.
var (
	// ErrInvalidName: a database or user name breaks the naming rules (characters or length).
	ErrInvalidName = errors.New("invalid database or user name")
	// ErrUnreachable: the host cannot be reached (DNS, connection refused, timeout, broken
	// connection).
	ErrUnreachable = errors.New("database host unreachable")
	// ErrAccessDenied: the host refused the user name or password.
	ErrAccessDenied = errors.New("database host refused the credentials")
	// ErrPrivileges: the user lacks a privilege the panel needs (CREATE, DROP, CREATE USER,
	// GRANT OPTION).
	ErrPrivileges = errors.New("database host user lacks privileges")
	// ErrExists: a database or user of that name already exists on the host.
	ErrExists = errors.New("database or user already exists")
	// ErrNoSuchUser: the user to change does not exist on the host.
	ErrNoSuchUser = errors.New("database user does not exist on the host")
	// ErrHost: any other error reported by the host.
	ErrHost = errors.New("database host error")
)

// MySQL/MariaDB error numbers the package classifies.
const (
	erDBCreateExists          = 1007 // ER_DB_CREATE_EXISTS
	erTooManyConnections      = 1040 // ER_CON_COUNT_ERROR
	erDBAccessDenied          = 1044 // ER_DBACCESS_DENIED_ERROR
	erAccessDenied            = 1045 // ER_ACCESS_DENIED_ERROR
	erServerShutdown          = 1053 // ER_SERVER_SHUTDOWN
	erUnknownThread           = 1094 // ER_NO_SUCH_THREAD
	erKillDenied              = 1095 // ER_KILL_DENIED_ERROR
	erHostIsBlocked           = 1129 // ER_HOST_IS_BLOCKED
	erHostNotPrivileged       = 1130 // ER_HOST_NOT_PRIVILEGED
	erTableAccessDenied       = 1142 // ER_TABLEACCESS_DENIED_ERROR
	erUserLimitReached        = 1226 // ER_USER_LIMIT_REACHED
	erSpecificAccessDenied    = 1227 // ER_SPECIFIC_ACCESS_DENIED_ERROR
	erNotSupportedAuthMode    = 1251 // ER_NOT_SUPPORTED_AUTH_MODE
	erCannotUser              = 1396 // ER_CANNOT_USER: CREATE USER of an existing user, ALTER USER of a missing one
	erCantCreateUserWithGrant = 1410 // ER_CANT_CREATE_USER_WITH_GRANT
	erAccessDeniedNoPassword  = 1698 // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
	erMustChangePassword      = 1820 // ER_MUST_CHANGE_PASSWORD
	erMustChangePasswordLogin = 1862 // ER_MUST_CHANGE_PASSWORD_LOGIN
	erAccountLocked           = 3118 // ER_ACCOUNT_HAS_BEEN_LOCKED (MySQL 8)
)

// ErrorNumber returns the MySQL error number inside err, if the host reported one. The
// number (not the message, which may quote SQL) is safe to show to API clients.
func ErrorNumber(err error) (uint16, bool) {
	var me *driver.MySQLError
	if errors.As(err, &me) {
		return me.Number, true
	}
	return 0, false
}

// classify wraps an error of the driver with the sentinel that describes it.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var me *driver.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case erAccessDenied, erAccessDeniedNoPassword, erHostNotPrivileged, erNotSupportedAuthMode,
			erAccountLocked, erMustChangePassword, erMustChangePasswordLogin:
			return fmt.Errorf("%w: %w", ErrAccessDenied, err)
		case erDBAccessDenied, erTableAccessDenied, erSpecificAccessDenied, erCantCreateUserWithGrant,
			erKillDenied:
			return fmt.Errorf("%w: %w", ErrPrivileges, err)
		case erDBCreateExists:
			return fmt.Errorf("%w: %w", ErrExists, err)
		case erServerShutdown, erTooManyConnections, erHostIsBlocked, erUserLimitReached:
			return fmt.Errorf("%w: %w", ErrUnreachable, err)
		}
		return fmt.Errorf("%w: %w", ErrHost, err)
	}
	if errors.Is(err, driver.ErrNativePassword) || errors.Is(err, driver.ErrCleartextPassword) ||
		errors.Is(err, driver.ErrOldPassword) || errors.Is(err, driver.ErrUnknownPlugin) {
		return fmt.Errorf("%w: %w", ErrAccessDenied, err)
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, driver.ErrInvalidConn) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, driver.ErrMalformPkt) || errors.Is(err, driver.ErrPktSync) {
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	return fmt.Errorf("%w: %w", ErrHost, err)
}
