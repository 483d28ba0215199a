package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/store"
)

// loadSigner opens (creating on first start) the panel's node-token key, stored in the
// database sealed with the data folder's key.
func loadSigner(ctx context.Context, st *store.Store) (*node.Signer, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: no store", node.ErrSigningKey)
	}
	sealer, err := store.NewSealer(st.Keys.Seal)
	if err != nil {
		return nil, err
	}
	return node.LoadSigner(ctx, st.Client, sealer)
}

// GetJWKS serves the public half of the panel's node-token key.
func (h *Handlers) GetJWKS(context.Context, gen.GetJWKSRequestObject) (gen.GetJWKSResponseObject, error) {
	b, err := json.Marshal(h.a.signer.JWKS())
	if err != nil {
		return nil, err
	}
	var out gen.JWKS
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return gen.GetJWKS200JSONResponse{Body: out}, nil
}

// CheckinRecorder is the part of the node registry that hears daemons' check-ins (the
// Registry implements it): a new bootId makes it reconcile the node.
type CheckinRecorder interface {
	CheckIn(ctx context.Context, nodeID int, bootID string)
}

// NodeCheckin records a daemon's check-in. Only the node's own deployment client may check in
// for it.
func (h *Handlers) NodeCheckin(ctx context.Context, req gen.NodeCheckinRequestObject) (gen.NodeCheckinResponseObject, error) {
	p := PrincipalFrom(ctx)
	if p == nil || p.NodeID == 0 || p.NodeID != int(req.Id) {
		return nil, newAPIError(http.StatusForbidden, CodePermissionDenied,
			"only the node's own deployment client may check in for it", map[string]any{"nodeId": req.Id})
	}
	n, err := h.nodeByID(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	if r, ok := h.a.nodes.(CheckinRecorder); ok && !n.Local {
		r.CheckIn(ctx, n.ID, req.Body.BootId)
	}
	return gen.NodeCheckin204Response{}, nil
}
