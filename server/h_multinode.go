package server

import (
	"context"
	"errors"

	"github.com/skypanel/skypanel/gen"
)

// errNotYet marks the multi-node operations whose implementation is in progress (issue 12);
// it maps to 500 and is replaced operation by operation.
var errNotYet = errors.New("not implemented yet")

// GetJWKS serves the panel's node-token keys.
func (h *Handlers) GetJWKS(context.Context, gen.GetJWKSRequestObject) (gen.GetJWKSResponseObject, error) {
	return nil, errNotYet
}

// NodeCheckin records a daemon's check-in.
func (h *Handlers) NodeCheckin(context.Context, gen.NodeCheckinRequestObject) (gen.NodeCheckinResponseObject, error) {
	return nil, errNotYet
}
