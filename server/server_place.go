package server

import (
	"context"
	"net/http"
	"slices"

	"github.com/skypanel/skypanel/ent"
	entnode "github.com/skypanel/skypanel/ent/node"
	"github.com/skypanel/skypanel/ent/server"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/gen/daemonapi"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/server/node"
)

// placement is a node a new server may go to: its client and what it runs now.
type placement struct {
	n  *ent.Node
	nc node.Client
	f  daemonapi.Features
}

// placeServer finds the node of a new server. With nodeId it is that node. Otherwise it is,
// among the nodes that answer and have the server's environment (the requested one, else
// docker), the one with the most free memory (the machine's memory minus the memory of its
// servers), the local node first on ties. When no node has the environment, the first node
// that answers (the local one first) is used and the create fails with its reason; when none
// answers, with the first node's unavailability.
func (h *Handlers) placeServer(ctx context.Context, b *gen.ServerCreate) (*ent.Node, node.Client, daemonapi.Features, error) {
	if b.NodeId != nil {
		n, err := h.nodeByID(ctx, *b.NodeId)
		if err != nil {
			return nil, nil, daemonapi.Features{}, err
		}
		p, err := h.answering(ctx, n)
		if err != nil {
			return nil, nil, daemonapi.Features{}, err
		}
		return p.n, p.nc, p.f, nil
	}
	nodes, err := h.a.store.Client.Node.Query().Order(ent.Desc(entnode.FieldLocal), ent.Asc(entnode.FieldID)).All(ctx)
	if err != nil {
		return nil, nil, daemonapi.Features{}, err
	}
	if len(nodes) == 0 {
		return nil, nil, daemonapi.Features{}, newAPIError(http.StatusNotFound, CodeNodeNotFound,
			"there is no node; create one and pass nodeId", map[string]any{"field": "nodeId"})
	}
	env := daemonapi.Environment(rt.EnvDocker)
	if b.EnvironmentType != nil {
		env = daemonapi.Environment(*b.EnvironmentType)
	}
	var cands []placement
	var first *placement
	var firstErr error
	for _, n := range nodes {
		p, err := h.answering(ctx, n)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if first == nil {
			first = &p
		}
		if slices.Contains(p.f.Environments, env) {
			cands = append(cands, p)
		}
	}
	switch {
	case len(cands) == 1:
		return cands[0].n, cands[0].nc, cands[0].f, nil
	case len(cands) > 1:
		best := h.mostFreeMemory(ctx, cands)
		return best.n, best.nc, best.f, nil
	case first != nil:
		return first.n, first.nc, first.f, nil
	}
	return nil, nil, daemonapi.Features{}, firstErr
}

// answering returns the node's client and features, or why it cannot be used.
func (h *Handlers) answering(ctx context.Context, n *ent.Node) (placement, error) {
	nc, err := h.clientOf(ctx, n)
	if err != nil {
		return placement{}, err
	}
	f, err := nc.Features(ctx)
	if err != nil {
		return placement{}, err
	}
	return placement{n: n, nc: nc, f: f}, nil
}

// mostFreeMemory picks the candidate with the most free memory; the first one (the local
// node comes first) wins ties and is kept when no machine can be read.
func (h *Handlers) mostFreeMemory(ctx context.Context, cands []placement) placement {
	var used []struct {
		NodeID int   `json:"node_id"`
		Sum    int64 `json:"sum"`
	}
	if err := h.a.store.Client.Server.Query().GroupBy(server.FieldNodeID).
		Aggregate(ent.Sum(server.FieldMemory)).Scan(ctx, &used); err != nil {
		h.a.log.Warn("memory of the nodes' servers", "err", err)
	}
	usedMiB := map[int]int64{}
	for _, u := range used {
		usedMiB[u.NodeID] = u.Sum
	}
	best, bestFree, found := cands[0], int64(0), false
	for _, c := range cands {
		sys, err := c.nc.System(ctx)
		if err != nil {
			continue
		}
		free := sys.Memory.Total - usedMiB[c.n.ID]<<20
		if !found || free > bestFree {
			best, bestFree, found = c, free, true
		}
	}
	return best
}
