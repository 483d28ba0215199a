package server

// Placeholders for the issue-13 operations while they are being built on branch t13-*; this
// file is deleted when the handlers land.

import (
	"context"
	"net/http"

	"github.com/skypanel/skypanel/gen"
)

func notYet() error {
	return newAPIError(http.StatusNotImplemented, CodeNotImplemented, "not implemented yet", nil)
}

// SetServerLimits is a placeholder.
func (h *Handlers) SetServerLimits(context.Context, gen.SetServerLimitsRequestObject) (gen.SetServerLimitsResponseObject, error) {
	return nil, notYet()
}
