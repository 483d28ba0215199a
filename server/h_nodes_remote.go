package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/store"
)

// RemoteNodes is the panel's machinery for remote nodes: the token signer (its public half is
// the JWKS), the Registry (node.Finder with health polls) and the Reconciler it calls.
type RemoteNodes struct {
	Signer     *node.Signer
	Registry   *node.Registry
	Reconciler *Reconciler
}

// OpenNodes builds and starts the panel's node registry: local is the embedded node's client
// (nil: none), remote nodes are reached as cfg.NodeCA and cfg.NodeInsecureHTTP say, with
// tokens of the panel's key, and reconciled from the database. Close stops it.
func OpenNodes(ctx context.Context, st *store.Store, cfg Config, local node.Client, log *slog.Logger) (*RemoteNodes, error) {
	return openNodes(ctx, st, cfg, local, log, nil)
}

// openNodes is OpenNodes with the registry telling onChange when a node goes down or comes
// back (node.offline/node.online webhooks; nil: nobody).
func openNodes(ctx context.Context, st *store.Store, cfg Config, local node.Client, log *slog.Logger,
	onChange func(context.Context, int, bool, error)) (*RemoteNodes, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	signer, err := loadSigner(ctx, st)
	if err != nil {
		return nil, err
	}
	rec := NewReconciler(st.Client, log)
	reg, err := node.NewRegistry(node.RegistryOptions{DB: st.Client, Local: local, Tokens: signer,
		Transport: node.TransportOptions{CAFile: cfg.NodeCA, InsecureHTTP: cfg.NodeInsecureHTTP},
		Reconcile: rec.Reconcile, Logger: log, OnChange: onChange})
	if err != nil {
		return nil, err
	}
	if cfg.NodeInsecureHTTP {
		log.Warn("talking plain HTTP to remote nodes (--node-insecure-http): tokens and files cross the network in the clear")
	}
	reg.Start()
	return &RemoteNodes{Signer: signer, Registry: reg, Reconciler: rec}, nil
}

// Close stops the registry's polls and reconciles.
func (n *RemoteNodes) Close() { n.Registry.Close() }

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
