package server

// Placeholders for the issue-14 operations while they are being built on branches t14-*; this
// file is deleted when the handlers land.

import (
	"context"
	"net/http"

	"github.com/skypanel/skypanel/gen"
)

func notYet() error {
	return newAPIError(http.StatusNotImplemented, CodeNotImplemented, "not implemented yet", nil)
}

// SftpAuth is a placeholder.
func (h *Handlers) SftpAuth(context.Context, gen.SftpAuthRequestObject) (gen.SftpAuthResponseObject, error) {
	return nil, notYet()
}

// SftpCheck is a placeholder.
func (h *Handlers) SftpCheck(context.Context, gen.SftpCheckRequestObject) (gen.SftpCheckResponseObject, error) {
	return nil, notYet()
}

// ListSelfSshKeys is a placeholder.
func (h *Handlers) ListSelfSshKeys(context.Context, gen.ListSelfSshKeysRequestObject) (gen.ListSelfSshKeysResponseObject, error) {
	return nil, notYet()
}

// CreateSelfSshKey is a placeholder.
func (h *Handlers) CreateSelfSshKey(context.Context, gen.CreateSelfSshKeyRequestObject) (gen.CreateSelfSshKeyResponseObject, error) {
	return nil, notYet()
}

// DeleteSelfSshKey is a placeholder.
func (h *Handlers) DeleteSelfSshKey(context.Context, gen.DeleteSelfSshKeyRequestObject) (gen.DeleteSelfSshKeyResponseObject, error) {
	return nil, notYet()
}
