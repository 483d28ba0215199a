package server

// Change package: PUT /api/servers/{id}/limits changes a server's resource and feature limits
// in one call (administrators, from the spec's security). The row changes only when the node
// accepted the new definition, or when the node is unavailable (then the reconcile pushes it).

import (
	"context"
	"errors"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/gen/daemonapi"
	"github.com/skypanel/skypanel/server/node"
)

// SetServerLimits changes the limits present in the body and answers them with when they
// apply. A node that refuses the definition (invalid for its runtime, an install running)
// leaves the database unchanged and its error is the answer.
func (h *Handlers) SetServerLimits(ctx context.Context, req gen.SetServerLimitsRequestObject) (gen.SetServerLimitsResponseObject, error) {
	s, err := h.serverByID(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	nc, err := h.serverNode(ctx, s)
	if err != nil && !errors.Is(err, node.ErrUnavailable) {
		return nil, err
	}
	var applied gen.ServerLimitsResultApplied
	var row *ent.Server
	err = withTx(ctx, h.a.store.Client, func(tx *ent.Tx) error {
		upd := tx.Server.UpdateOneID(s.ID)
		setLimits(upd, req.Body)
		var err error
		if row, err = upd.Save(ctx); err != nil {
			return err
		}
		applied, err = h.pushDefinition(ctx, nc, row) // h_servers.go
		return err
	})
	if err != nil {
		return nil, err
	}
	out := toServer(row, daemonapi.Status{})
	return gen.SetServerLimits200JSONResponse{Body: gen.ServerLimitsResult{Resources: out.Resources,
		FeatureLimits: out.FeatureLimits, Applied: applied}}, nil
}

// setLimits sets the fields present in the body; absent ones stay.
func setLimits(upd *ent.ServerUpdateOne, b *gen.ServerLimitsUpdate) {
	if l := b.Limits; l != nil {
		upd.SetNillableMemory(l.Memory).SetNillableSwap(l.Swap).SetNillableDisk(l.Disk).SetNillablePids(l.Pids)
		if l.Cpu != nil {
			upd.SetCPU(int64(*l.Cpu))
		}
		if l.Io != nil {
			upd.SetIo(int64(*l.Io))
		}
	}
	if fl := b.FeatureLimits; fl != nil {
		upd.SetNillableFeatureDatabases(fl.Databases).SetNillableFeatureBackups(fl.Backups)
	}
}
