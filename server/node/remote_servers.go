package node

import (
	"context"
	"net/http"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// CreateServer creates the server's instance and folder (an image pull may take a while).
func (r *Remote) CreateServer(ctx context.Context, def daemonapi.Definition) error {
	resp, err := r.api.CreateServerWithResponse(long(ctx), def)
	if err != nil {
		return r.failed(ctx, err)
	}
	return r.status(resp.HTTPResponse, resp.Body, http.StatusNoContent)
}

// UpdateServer replaces the definition and says whether its limits applied live.
func (r *Remote) UpdateServer(ctx context.Context, def daemonapi.Definition) (daemonapi.UpdateResult, error) {
	resp, err := r.api.UpdateServerWithResponse(long(ctx), def.Id, def)
	if err != nil {
		return daemonapi.UpdateResult{}, r.failed(ctx, err)
	}
	return value(r, resp.HTTPResponse, resp.Body, http.StatusOK, resp.JSON200)
}

// DeleteServer stops and removes the server (stopping may take its stop timeout).
func (r *Remote) DeleteServer(ctx context.Context, id string) error {
	resp, err := r.api.DeleteServerWithResponse(long(ctx), id)
	if err != nil {
		return r.failed(ctx, err)
	}
	return r.status(resp.HTTPResponse, resp.Body, http.StatusNoContent)
}

// Power runs a power action; start and kill finish before the answer, so they get the long
// bound, stop and restart only are checked.
func (r *Remote) Power(ctx context.Context, id string, action daemonapi.PowerRequestAction) error {
	cctx := ctx
	if action == daemonapi.PowerRequestActionStart || action == daemonapi.PowerRequestActionKill {
		cctx = long(ctx)
	}
	resp, err := r.api.PowerWithResponse(cctx, id, daemonapi.PowerRequest{Action: action})
	if err != nil {
		return r.failed(ctx, err)
	}
	return r.status(resp.HTTPResponse, resp.Body, http.StatusNoContent)
}

// Status returns the server's state.
func (r *Remote) Status(ctx context.Context, id string) (daemonapi.Status, error) {
	resp, err := r.api.GetStatusWithResponse(ctx, id)
	if err != nil {
		return daemonapi.Status{}, r.failed(ctx, err)
	}
	return value(r, resp.HTTPResponse, resp.Body, http.StatusOK, resp.JSON200)
}

// Stats returns one sample of the server's resource usage.
func (r *Remote) Stats(ctx context.Context, id string) (daemonapi.Stats, error) {
	resp, err := r.api.GetStatsWithResponse(ctx, id)
	if err != nil {
		return daemonapi.Stats{}, r.failed(ctx, err)
	}
	return value(r, resp.HTTPResponse, resp.Body, http.StatusOK, resp.JSON200)
}

// Console returns the lines after the cursor since.
func (r *Remote) Console(ctx context.Context, id string, since int64) (daemonapi.ConsolePage, error) {
	resp, err := r.api.GetConsoleWithResponse(ctx, id, &daemonapi.GetConsoleParams{Since: &since})
	if err != nil {
		return daemonapi.ConsolePage{}, r.failed(ctx, err)
	}
	return value(r, resp.HTTPResponse, resp.Body, http.StatusOK, resp.JSON200)
}

// SendCommand writes a line to the server's stdin.
func (r *Remote) SendCommand(ctx context.Context, id, command string) error {
	resp, err := r.api.SendCommandWithResponse(ctx, id, daemonapi.CommandRequest{Command: command})
	if err != nil {
		return r.failed(ctx, err)
	}
	return r.status(resp.HTTPResponse, resp.Body, http.StatusNoContent)
}

// Install starts the server's install plan (an image pull may come first); wipe empties its
// folder first.
func (r *Remote) Install(ctx context.Context, id string, wipe bool) error {
	resp, err := r.api.InstallWithResponse(long(ctx), id, daemonapi.InstallRequest{Wipe: &wipe})
	if err != nil {
		return r.failed(ctx, err)
	}
	return r.status(resp.HTTPResponse, resp.Body, http.StatusNoContent)
}
