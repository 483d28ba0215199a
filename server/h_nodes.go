package server

import (
	"context"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/server"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/store"
)

func toNode(n *ent.Node) gen.Node {
	return gen.Node{Id: int64(n.ID), Name: n.Name, PublicHost: n.PublicHost, PrivateHost: n.PrivateHost,
		PublicPort: n.PublicPort, PrivatePort: n.PrivatePort, SftpPort: n.SftpPort}
}

func (h *Handlers) nodeByID(ctx context.Context, id int64) (*ent.Node, error) {
	n, err := h.a.store.Client.Node.Get(ctx, int(id))
	if ent.IsNotFound(err) {
		return nil, errNodeNotFound(id)
	}
	return n, err
}

// ListNodes lists nodes by id.
func (h *Handlers) ListNodes(ctx context.Context, req gen.ListNodesRequestObject) (gen.ListNodesResponseObject, error) {
	page, limit := pageOf(req.Params.Page, req.Params.Limit)
	q := h.a.store.Client.Node.Query()
	rows, err := q.Clone().Order(ent.Asc("id")).Offset(offset(page, limit)).Limit(limit).All(ctx)
	if err != nil {
		return nil, err
	}
	total, known := knownTotal(page, limit, len(rows))
	if !known {
		if total, err = q.Aggregate(ent.Count()).Int(ctx); err != nil {
			return nil, err
		}
	}
	out := gen.NodeList{Nodes: make([]gen.Node, 0, len(rows)), Metadata: listMeta(page, limit, total)}
	for _, n := range rows {
		out.Nodes = append(out.Nodes, toNode(n))
	}
	return gen.ListNodes200JSONResponse{Body: out}, nil
}

// CreateNode registers a node; its secret is returned once and stored as a keyed hash.
func (h *Handlers) CreateNode(ctx context.Context, req gen.CreateNodeRequestObject) (gen.CreateNodeResponseObject, error) {
	b := req.Body
	secret := store.NewSecret()
	c := h.a.store.Client.Node.Create().SetName(b.Name).SetPublicHost(b.PublicHost).
		SetSecretHash(store.HashSecret(h.a.store.Keys.SecretHash, secret)).
		SetNillablePublicPort(b.PublicPort).SetNillablePrivatePort(b.PrivatePort).SetNillableSftpPort(b.SftpPort)
	if b.PrivateHost != nil {
		c.SetPrivateHost(*b.PrivateHost)
	} else {
		c.SetPrivateHost(b.PublicHost)
	}
	n, err := c.Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, errConflict("a node with this name already exists", map[string]any{"field": "name"})
	}
	if err != nil {
		return nil, err
	}
	v := toNode(n)
	return gen.CreateNode201JSONResponse{Body: gen.NodeCreated{Id: v.Id, Name: v.Name, PublicHost: v.PublicHost,
		PrivateHost: v.PrivateHost, PublicPort: v.PublicPort, PrivatePort: v.PrivatePort, SftpPort: v.SftpPort,
		Secret: secret}}, nil
}

// GetNode returns one node.
func (h *Handlers) GetNode(ctx context.Context, req gen.GetNodeRequestObject) (gen.GetNodeResponseObject, error) {
	n, err := h.nodeByID(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.GetNode200JSONResponse{Body: toNode(n)}, nil
}

// UpdateNode changes the given fields.
func (h *Handlers) UpdateNode(ctx context.Context, req gen.UpdateNodeRequestObject) (gen.UpdateNodeResponseObject, error) {
	n, err := h.nodeByID(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	b := req.Body
	err = n.Update().SetNillableName(b.Name).SetNillablePublicHost(b.PublicHost).SetNillablePrivateHost(b.PrivateHost).
		SetNillablePublicPort(b.PublicPort).SetNillablePrivatePort(b.PrivatePort).SetNillableSftpPort(b.SftpPort).Exec(ctx)
	if ent.IsConstraintError(err) {
		return nil, errConflict("a node with this name already exists", map[string]any{"field": "name"})
	}
	if err != nil {
		return nil, err
	}
	return gen.UpdateNode204Response{}, nil
}

// DeleteNode removes a remote node that hosts no servers (its deployment client goes with
// it). The local node runs inside the panel and is refused (409 ErrConflict).
func (h *Handlers) DeleteNode(ctx context.Context, req gen.DeleteNodeRequestObject) (gen.DeleteNodeResponseObject, error) {
	n, err := h.nodeByID(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	if n.Local {
		return nil, errConflict("the local node runs inside the panel and cannot be deleted",
			map[string]any{"id": req.Id, "local": true})
	}
	count, err := h.a.store.Client.Server.Query().Where(server.NodeID(n.ID)).Count(ctx)
	if err != nil {
		return nil, err
	}
	if count > 0 {
		return nil, errConflict("the node still hosts servers; delete or move them first",
			map[string]any{"id": req.Id, "servers": count})
	}
	if err := h.a.store.Client.Node.DeleteOne(n).Exec(ctx); err != nil {
		return nil, err
	}
	h.a.oauth.InvalidateCache()
	return gen.DeleteNode204Response{}, nil
}

// GetNodeSystem reads the node's machine.
func (h *Handlers) GetNodeSystem(ctx context.Context, req gen.GetNodeSystemRequestObject) (gen.GetNodeSystemResponseObject, error) {
	nc, err := h.nodeClient(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	s, err := nc.System(ctx)
	if err != nil {
		return nil, err
	}
	return gen.GetNodeSystem200JSONResponse{Body: gen.NodeSystem{
		Cpu:    gen.NodeCPU{Model: s.Cpu.Model, Cores: s.Cpu.Cores, Threads: s.Cpu.Threads, Mhz: float64(s.Cpu.Mhz)},
		Memory: gen.ResourceUsage{Total: s.Memory.Total, Used: s.Memory.Used, Free: s.Memory.Free},
		Disk:   gen.ResourceUsage{Total: s.Disk.Total, Used: s.Disk.Used, Free: s.Disk.Free},
		Os:     gen.NodeOS{Platform: s.Os.Platform, Family: s.Os.Family, Version: s.Os.Version},
	}}, nil
}

// GetNodeFeatures reports the environments the node can run now.
func (h *Handlers) GetNodeFeatures(ctx context.Context, req gen.GetNodeFeaturesRequestObject) (gen.GetNodeFeaturesResponseObject, error) {
	nc, err := h.nodeClient(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	f, err := nc.Features(ctx)
	if err != nil {
		return nil, err
	}
	out := gen.NodeFeatures{Docker: f.Docker, Standard: f.Standard, Environments: []gen.EnvironmentType{}}
	for _, e := range f.Environments {
		out.Environments = append(out.Environments, gen.EnvironmentType(e))
	}
	if !f.Docker && deref(f.DockerReason) != "" {
		out.DockerReason = f.DockerReason
	}
	if !f.Standard && deref(f.StandardReason) != "" {
		out.StandardReason = f.StandardReason
	}
	return gen.GetNodeFeatures200JSONResponse{Body: out}, nil
}

func (h *Handlers) nodeClient(ctx context.Context, id int64) (node.Client, error) {
	n, err := h.nodeByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return h.clientOf(ctx, n)
}
