package socket

import "errors"

// Errors of the WebSocket engine.
var (
	// ErrTooManySockets: the server has Options.MaxPerServer sockets already.
	ErrTooManySockets = errors.New("too many sockets on this server")
	// ErrShuttingDown: the panel is closing its sockets (Engine.Close).
	ErrShuttingDown = errors.New("the panel is shutting down")
	// ErrInvalidOrigin: an allowed origin is not a valid pattern.
	ErrInvalidOrigin = errors.New("invalid allowed origin pattern")
)

// Error codes the engine sends in error messages and envelopes (values of openapi.yaml's
// ErrorCode enum; server/socket_codes_test.go checks them against it).
const (
	CodeFieldRequired    = "ErrFieldRequired"
	CodeFieldInvalid     = "ErrFieldInvalid"
	CodePermissionDenied = "ErrPermissionDenied"
	CodeUnauthorized     = "ErrUnauthorized"
	CodeRateLimited      = "ErrRateLimited"
	CodeNodeUnavailable  = "ErrNodeUnavailable"
)
