package server

import (
	"errors"
	"net/http"
)

// Errors of the WebSocket feature.
var (
	// ErrTooManySockets: the server has SocketOptions.MaxPerServer sockets already.
	ErrTooManySockets = errors.New("too many sockets on this server")
	// ErrShuttingDown: the panel is closing its sockets (CloseSockets).
	ErrShuttingDown = errors.New("the panel is shutting down")
)

// mapSocketError maps the refusals of the WebSocket feature.
func mapSocketError(err error) *APIError {
	switch {
	case errors.Is(err, ErrTooManySockets):
		return newAPIError(http.StatusTooManyRequests, CodeRateLimited, err.Error(), nil)
	case errors.Is(err, ErrShuttingDown):
		return newAPIError(http.StatusServiceUnavailable, CodeNodeUnavailable, err.Error(), nil)
	}
	return nil
}
