package oauth

import (
	"errors"
	"fmt"
)

// Sentinel errors of the oauth package. Callers match them with errors.Is.
var (
	// ErrInvalidToken: the bearer token is malformed, unknown, revoked or forged.
	ErrInvalidToken = errors.New("invalid access token")
	// ErrExpiredToken: the bearer token was valid but has expired.
	ErrExpiredToken = errors.New("access token expired")
	// ErrScopeNotAllowed: a client may not hold a scope its user does not have (see ScopeError).
	ErrScopeNotAllowed = errors.New("scope not allowed")
	// ErrInvalidScope: a scope is not a valid scope token (empty, too long, or with spaces).
	ErrInvalidScope = errors.New("invalid scope")
	// ErrClientNotFound: no such OAuth2 client (or it belongs to another user).
	ErrClientNotFound = errors.New("oauth2 client not found")
	// ErrUserNotFound: the user a client is created for does not exist.
	ErrUserNotFound = errors.New("user not found")
	// ErrNodeNotFound: the node a deployment client is created for does not exist.
	ErrNodeNotFound = errors.New("node not found")
	// ErrInvalidOptions: New was called with unusable options.
	ErrInvalidOptions = errors.New("invalid oauth options")
)

// ScopeError names the scope that was refused. It matches ErrScopeNotAllowed (or
// ErrInvalidScope) with errors.Is.
type ScopeError struct {
	Scope string
	Err   error // ErrScopeNotAllowed or ErrInvalidScope
}

func (e *ScopeError) Error() string { return fmt.Sprintf("%v: %q", e.Err, e.Scope) }

// Unwrap returns the sentinel.
func (e *ScopeError) Unwrap() error { return e.Err }
