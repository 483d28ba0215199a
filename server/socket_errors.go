package server

import (
	"errors"
	"net/http"
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
