package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/gen/daemonapi"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/webhook"
	"github.com/skypanel/skypanel/templates"
)

// SuspendServer suspends a server (billing): the flag is saved, the node gets the definition
// with suspended set (it stops the server and keeps it stopped), open sockets get the status
// and close with 4009. Idempotent; a node that does not answer gets it at the reconcile.
func (h *Handlers) SuspendServer(ctx context.Context, req gen.SuspendServerRequestObject) (gen.SuspendServerResponseObject, error) {
	if err := h.setSuspended(ctx, req.ServerId, true); err != nil {
		return nil, err
	}
	return gen.SuspendServer204Response{}, nil
}

// UnsuspendServer lifts a suspension; the server is not started. Idempotent.
func (h *Handlers) UnsuspendServer(ctx context.Context, req gen.UnsuspendServerRequestObject) (gen.UnsuspendServerResponseObject, error) {
	if err := h.setSuspended(ctx, req.ServerId, false); err != nil {
		return nil, err
	}
	return gen.UnsuspendServer204Response{}, nil
}

// setSuspended sets a server's suspended flag and pushes its definition to the node, in one
// transaction: a node that refuses the definition leaves the flag unchanged; one that does not
// answer does not (the reconcile pushes it, see pushDefinition). A server already in the
// wanted state is left alone, the node included.
func (h *Handlers) setSuspended(ctx context.Context, id string, v bool) error {
	s, err := h.serverByID(ctx, id)
	if err != nil {
		return err
	}
	if s.Suspended == v {
		return nil
	}
	nc, err := h.serverNode(ctx, s)
	if err != nil && !errors.Is(err, node.ErrUnavailable) {
		return err
	}
	err = withTx(ctx, h.a.store.Client, func(tx *ent.Tx) error {
		row, err := tx.Server.UpdateOneID(s.ID).SetSuspended(v).Save(ctx)
		if err != nil {
			return err
		}
		if _, err = h.pushDefinition(ctx, nc, row); err != nil || !v {
			return err
		}
		return h.a.hooks.EmitTx(ctx, tx, webhook.Event{Type: webhook.ServerSuspended, // h_webhooks_events.go
			Data: gen.WebhookEventData{Server: webhook.ServerPayload(row, "")}})
	})
	if err != nil {
		return err
	}
	h.a.sockets.SetSuspended(ctx, s.ID, v)
	return nil
}

// ReinstallServer runs the template's install steps again, like InstallServer; with wipe
// (administrators only, x-admin-only) the server's folder is emptied first. The server must
// be stopped; a suspended one is refused (x-suspended: deny).
func (h *Handlers) ReinstallServer(ctx context.Context, req gen.ReinstallServerRequestObject) (gen.ReinstallServerResponseObject, error) {
	wipe := req.Body != nil && req.Body.Wipe != nil && *req.Body.Wipe
	if err := h.reinstall(ctx, req.ServerId, wipe); err != nil {
		return nil, err
	}
	return gen.ReinstallServer204Response{}, nil
}

// reinstall (InstallServer and ReinstallServer) checks that the server has a (known) template
// whose variables still resolve and that it is stopped, pushes its current definition (the
// template's current steps) and starts the installation, emptying the folder first with wipe.
func (h *Handlers) reinstall(ctx context.Context, id string, wipe bool) error {
	s, err := h.serverByID(ctx, id)
	if err != nil {
		return err
	}
	if s.Template == nil {
		return errFieldInvalid("template", "the server was not created from a template: it has nothing to install")
	}
	tpl, err := h.tpls().Get(ctx, *s.Template)
	if errors.Is(err, templates.ErrNotFound) {
		return unknownTemplate(*s.Template)
	}
	if err != nil {
		return err
	}
	if _, err := resolveFor(PrincipalFrom(ctx).Admin, tpl, s.Variables, true); err != nil {
		return err
	}
	nc, err := h.serverNode(ctx, s)
	if err != nil {
		return err
	}
	st, err := nc.Status(ctx, s.ID)
	if err != nil {
		return err
	}
	switch st.State {
	case daemonapi.StateStopped, daemonapi.StateCrashed, daemonapi.StateInstallFailed:
	default:
		return newAPIError(http.StatusConflict, CodeInvalidState,
			fmt.Sprintf("the server is %s: stop it before reinstalling", st.State), map[string]any{"state": st.State})
	}
	def, err := definitionOf(ctx, h.a.store.Client, s)
	if err != nil {
		return err
	}
	if _, err := nc.UpdateServer(ctx, def); err != nil { // the template's current steps
		return err
	}
	return nc.Install(ctx, s.ID, wipe)
}
