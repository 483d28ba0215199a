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

// SuspendServer is a placeholder.
func (h *Handlers) SuspendServer(context.Context, gen.SuspendServerRequestObject) (gen.SuspendServerResponseObject, error) {
	return nil, notYet()
}

// UnsuspendServer is a placeholder.
func (h *Handlers) UnsuspendServer(context.Context, gen.UnsuspendServerRequestObject) (gen.UnsuspendServerResponseObject, error) {
	return nil, notYet()
}

// ReinstallServer is a placeholder.
func (h *Handlers) ReinstallServer(context.Context, gen.ReinstallServerRequestObject) (gen.ReinstallServerResponseObject, error) {
	return nil, notYet()
}
