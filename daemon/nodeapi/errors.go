package nodeapi

import "errors"

// Sentinels of the node API itself (the daemon's packages have the others; see codes.go).
var (
	// ErrUnauthorized: the panel's token was refused.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrFieldInvalid: a request parameter or body does not match daemon.yaml.
	ErrFieldInvalid = errors.New("invalid request field")
	// ErrUnsupportedMediaType: the request body has a content type the operation does not take.
	ErrUnsupportedMediaType = errors.New("unsupported media type")
	// ErrArchiveInvalid: a server archive (transfer) is not a valid export stream.
	ErrArchiveInvalid = errors.New("invalid server archive")
	// ErrChecksumMismatch: what was received does not have the expected sha256.
	ErrChecksumMismatch = errors.New("checksum mismatch")
	// ErrRouteNotFound: no operation of daemon.yaml has the request's path (an older daemon
	// lacks the operation).
	ErrRouteNotFound = errors.New("no such route")
	// ErrMethodNotAllowed: the path is an operation's, but not with the request's method.
	ErrMethodNotAllowed = errors.New("method not allowed")
	// ErrInternal: the node failed in a way the caller cannot fix.
	ErrInternal = errors.New("internal node error")
)
