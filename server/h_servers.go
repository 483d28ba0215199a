package server

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/predicate"
	"github.com/skypanel/skypanel/ent/server"
	"github.com/skypanel/skypanel/ent/user"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/gen/daemonapi"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/templates"
)

func toServer(s *ent.Server, st daemonapi.Status) gen.Server {
	out := gen.Server{
		Id: s.ID, Name: s.Name, OwnerId: int64(s.OwnerID), NodeId: int64(s.NodeID),
		Status: gen.ServerState(st.State), EnvironmentType: gen.EnvironmentType(s.EnvironmentType),
		Resources: gen.ServerResources{Memory: s.Memory, Swap: s.Swap, Disk: s.Disk, Io: int(s.Io), Cpu: int(s.CPU),
			Pids: &s.Pids},
		FeatureLimits: gen.FeatureLimits{Databases: s.FeatureDatabases, Backups: s.FeatureBackups},
		Deployment:    gen.ServerDeployment{Port: s.Port, Ip: s.IP},
		Environment:   s.Environment, Created: s.CreatedAt.UTC(), Template: s.Template,
		Suspended: s.Suspended,
	}
	if out.Environment == nil {
		out.Environment = map[string]string{}
	}
	if s.Image != "" {
		out.Image = &s.Image
	}
	if s.Startup != "" {
		out.Startup = &s.Startup
	}
	if s.Icon != "" {
		out.Icon = &s.Icon
	}
	out.ExternalId = s.ExternalID
	return out
}

// status asks the server's node; an unreachable node reports "unknown".
func (h *Handlers) status(ctx context.Context, s *ent.Server) daemonapi.Status {
	nc, _ := h.serverNode(ctx, s)
	return statusOn(ctx, nc, s.ID)
}

func statusOn(ctx context.Context, nc node.Client, id string) daemonapi.Status {
	if nc != nil {
		if st, err := nc.Status(ctx, id); err == nil {
			return st
		}
	}
	return daemonapi.Status{State: daemonapi.State(gen.ServerStateUnknown)}
}

// serverNode returns the client of the server's node.
func (h *Handlers) serverNode(ctx context.Context, s *ent.Server) (node.Client, error) {
	n, err := h.a.store.Client.Node.Get(ctx, s.NodeID)
	if err != nil {
		return nil, err
	}
	return h.clientOf(ctx, n)
}

// clientOf finds a node's client; without a Finder no node can run servers.
func (h *Handlers) clientOf(ctx context.Context, n *ent.Node) (node.Client, error) {
	return node.ClientOf(ctx, h.a.nodes, n)
}

// ListServers lists servers by id; non-admins see only their own, and only admins filter by username.
func (h *Handlers) ListServers(ctx context.Context, req gen.ListServersRequestObject) (gen.ListServersResponseObject, error) {
	p := PrincipalFrom(ctx)
	page, limit := pageOf(req.Params.Page, req.Params.Limit)
	q := h.a.store.Client.Server.Query()
	if !p.Admin {
		if req.Params.Username != nil {
			return nil, newAPIError(http.StatusForbidden, CodePermissionDenied, "only administrators filter by username",
				map[string]any{"scopes": []string{"admin"}, "field": "username"})
		}
		q = q.Where(server.OwnerID(p.UserID))
	}
	if f := req.Params.Username; f != nil {
		q = q.Where(server.HasOwnerWith(predicate.User(wildcard(user.FieldUsername, *f))))
	}
	if req.Params.Node != nil {
		q = q.Where(server.NodeID(int(*req.Params.Node)))
	}
	if f := req.Params.Name; f != nil {
		q = q.Where(predicate.Server(wildcard(server.FieldName, *f)))
	}
	if f := req.Params.ExternalId; f != nil { // exact match: no wildcard
		q = q.Where(server.ExternalID(*f))
	}
	// COUNT(*), not ent's Count (COUNT(`servers`.`id`)): SQLite answers an unfiltered COUNT(*)
	// from the b-tree without reading every index entry.
	total, err := q.Clone().Aggregate(ent.Count()).Int(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := pageRows(ctx, q, page, limit)
	if err != nil {
		return nil, err
	}
	out := gen.ServerList{Servers: make([]gen.Server, 0, len(rows)), Metadata: listMeta(page, limit, total)}
	clients := map[int]node.Client{} // one node lookup per node, not per server
	for _, s := range rows {
		nc, ok := clients[s.NodeID]
		if !ok {
			nc, _ = h.serverNode(ctx, s)
			clients[s.NodeID] = nc
		}
		out.Servers = append(out.Servers, toServer(s, statusOn(ctx, nc, s.ID)))
	}
	return gen.ListServers200JSONResponse{Body: out}, nil
}

// GetServer returns one server; ?perms=true adds the caller's server permissions.
func (h *Handlers) GetServer(ctx context.Context, req gen.GetServerRequestObject) (gen.GetServerResponseObject, error) {
	s, err := h.serverByID(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	out := toServer(s, h.status(ctx, s))
	if req.Params.Perms != nil && *req.Params.Perms {
		perms := []gen.Scope{}
		p := PrincipalFrom(ctx)
		for _, sc := range h.a.contract.AllScopes() {
			if strings.HasPrefix(sc, "server.") && p.Has(sc) {
				perms = append(perms, gen.Scope(sc))
			}
		}
		sort.Slice(perms, func(i, j int) bool { return perms[i] < perms[j] })
		out.Permissions = &perms
	}
	return gen.GetServer200JSONResponse{Body: out}, nil
}

// CreateServer creates a server with the caller's id (idempotent for an identical body).
func (h *Handlers) CreateServer(ctx context.Context, req gen.CreateServerRequestObject) (gen.CreateServerResponseObject, error) {
	if b := req.Body; b != nil && b.Identifier != nil && *b.Identifier != req.ServerId {
		return nil, errFieldInvalid("identifier", "identifier must equal the server id of the path")
	}
	created, fresh, err := h.createServer(ctx, req.ServerId, false, req.Body)
	if err != nil {
		return nil, err
	}
	if !fresh {
		return gen.CreateServer200JSONResponse{Body: created}, nil
	}
	return gen.CreateServer201JSONResponse{Body: created}, nil
}

// CreateServerWithGeneratedId creates a server with a generated 8-character id.
func (h *Handlers) CreateServerWithGeneratedId(ctx context.Context, req gen.CreateServerWithGeneratedIdRequestObject) (gen.CreateServerWithGeneratedIdResponseObject, error) {
	created, fresh, err := h.createWithBodyID(ctx, req.Body)
	if err != nil {
		return nil, err
	}
	if !fresh { // a billing retry (externalId) or an identical identifier
		return gen.CreateServerWithGeneratedId200JSONResponse{Body: created}, nil
	}
	return gen.CreateServerWithGeneratedId201JSONResponse{Body: created}, nil
}

// CreateServerTrailingSlash is PUT /api/servers/, the documented clients' form: the body's
// identifier chooses the id, else one is generated.
func (h *Handlers) CreateServerTrailingSlash(ctx context.Context, req gen.CreateServerTrailingSlashRequestObject) (gen.CreateServerTrailingSlashResponseObject, error) {
	created, fresh, err := h.createWithBodyID(ctx, req.Body)
	if err != nil {
		return nil, err
	}
	if !fresh {
		return gen.CreateServerTrailingSlash200JSONResponse{Body: created}, nil
	}
	return gen.CreateServerTrailingSlash201JSONResponse{Body: created}, nil
}

// createWithBodyID creates a server whose id is the body's identifier, or a generated one.
func (h *Handlers) createWithBodyID(ctx context.Context, b *gen.ServerCreate) (gen.ServerCreated, bool, error) {
	if b.Identifier != nil {
		return h.createServer(ctx, *b.Identifier, false, b)
	}
	id, err := h.newServerID(ctx)
	if err != nil {
		return gen.ServerCreated{}, false, err
	}
	return h.createServer(ctx, id, true, b)
}

// DeleteServer removes the server from its node (unless skipNode) and from the database.
func (h *Handlers) DeleteServer(ctx context.Context, req gen.DeleteServerRequestObject) (gen.DeleteServerResponseObject, error) {
	s, err := h.serverByID(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	skipNode := req.Params.SkipNode != nil && *req.Params.SkipNode
	var nc node.Client
	if !skipNode { // an unavailable node: 503 before anything is dropped
		if nc, err = h.serverNode(ctx, s); err != nil {
			return nil, err
		}
	}
	// MySQL databases first (also with skipNode: they live on database hosts, not the node);
	// a failure keeps the server, so deleting it again retries.
	if err := h.dropServerDatabases(ctx, s); err != nil {
		return nil, err
	}
	if !skipNode {
		if err := nc.DeleteServer(ctx, s.ID); err != nil {
			return nil, err
		}
	}
	if err := h.a.deleteServerRow(ctx, s); err != nil { // h_webhooks_events.go: with server.deleted
		return nil, err
	}
	return gen.DeleteServer204Response{}, nil
}

// EditServerDefinition changes name, command, memory and variables; the node applies limits
// live where it can. The database changes only when the node accepted the new definition, or
// when the node is unavailable: then the reconcile applies it when the node answers again.
func (h *Handlers) EditServerDefinition(ctx context.Context, req gen.EditServerDefinitionRequestObject) (gen.EditServerDefinitionResponseObject, error) {
	s, err := h.serverByID(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	nc, err := h.serverNode(ctx, s)
	if err != nil && !errors.Is(err, node.ErrUnavailable) {
		return nil, err
	}
	b := req.Body
	if err := checkDefinitionTemplate(ctx, h.tpls(), PrincipalFrom(ctx).Admin, s, b); err != nil {
		return nil, err
	}
	err = withTx(ctx, h.a.store.Client, func(tx *ent.Tx) error {
		upd := tx.Server.UpdateOneID(s.ID).SetNillableName(b.Name).SetNillableIcon(b.Icon)
		if err := setExternalID(b.ExternalId, upd.SetExternalID, upd.ClearExternalID); err != nil {
			return err
		}
		if b.Type != nil && b.Type.Type != nil {
			if *b.Type.Type == "" { // "" detaches the template: the server keeps running its startup
				upd.ClearTemplate()
			} else {
				upd.SetTemplate(*b.Type.Type)
			}
		}
		if b.Server != nil && b.Server.Run != nil && b.Server.Run.Command != nil {
			upd.SetStartup(*b.Server.Run.Command)
		}
		if b.Server != nil && b.Server.Data != nil && b.Server.Data.Memory != nil {
			upd.SetMemory(*b.Server.Data.Memory)
		}
		if b.Variables != nil {
			vars := map[string]any{}
			for k, v := range s.Variables {
				vars[k] = v
			}
			for k, v := range *b.Variables {
				vars[k] = variableString(v)
			}
			upd.SetVariables(vars)
		}
		row, err := upd.Save(ctx)
		if err != nil {
			return err
		}
		_, err = h.pushDefinition(ctx, nc, row)
		return err
	})
	if ent.IsConstraintError(err) && serverExternalIDTaken(ctx, h.a.store.Client, s.ID, b.ExternalId) {
		return nil, errExternalIDTaken("server")
	}
	if err != nil {
		return nil, err
	}
	return gen.EditServerDefinition204Response{}, nil
}

// pushDefinition sends s's saved definition to its node and says when it applies, as the node
// reports it: live (the running server's limits were updated now) or next-start. A node that
// is unavailable (nc nil, or it does not answer) is not an error: pending, the reconcile pushes
// the definition when it answers again.
func (h *Handlers) pushDefinition(ctx context.Context, nc node.Client, s *ent.Server) (gen.ServerLimitsResultApplied, error) {
	if nc == nil {
		return gen.ServerLimitsResultAppliedPending, nil
	}
	def, err := definitionOf(ctx, h.a.store.Client, s)
	if err != nil {
		return "", err
	}
	res, err := nc.UpdateServer(ctx, def)
	switch {
	case errors.Is(err, node.ErrUnavailable):
		h.a.log.Info("definition saved; its node is unavailable and gets it when it answers again",
			"server", s.ID, "node", s.NodeID, "err", err)
		return gen.ServerLimitsResultAppliedPending, nil
	case err != nil:
		return "", err
	case res.Applied == daemonapi.UpdateResultAppliedLive:
		return gen.ServerLimitsResultAppliedLive, nil
	}
	return gen.ServerLimitsResultAppliedNextStart, nil
}

// pageRows reads one page ordered by id. The page's first id is found with OFFSET on an
// id-only query (covering index: skipped rows are never read from the table), then only the
// page's rows are read.
func pageRows(ctx context.Context, q *ent.ServerQuery, page, limit int) ([]*ent.Server, error) {
	if off := offset(page, limit); off > 0 {
		first, err := q.Clone().Order(ent.Asc(server.FieldID)).Offset(off).Limit(1).IDs(ctx)
		if err != nil || len(first) == 0 {
			return nil, err
		}
		q = q.Where(server.IDGTE(first[0]))
	}
	return q.Order(ent.Asc(server.FieldID)).Limit(limit).All(ctx)
}

// checkDefinitionTemplate refuses an unknown template and variables that no longer fit the
// server's template (the same rules as at create time, userEditable included: a non-admin
// changes only user-editable variables).
func checkDefinitionTemplate(ctx context.Context, tpls templateStore, admin bool, s *ent.Server, b *gen.ServerDefinitionUpdate) error {
	name := s.Template
	if b.Type != nil && b.Type.Type != nil {
		name = b.Type.Type
	}
	if name == nil || *name == "" {
		if b.Variables != nil { // no template: variables only reach the environment
			return checkEditable(admin, &templates.Template{}, *b.Variables)
		}
		return nil
	}
	tpl, err := tpls.Get(ctx, *name)
	if errors.Is(err, templates.ErrNotFound) {
		return unknownTemplate(*name)
	}
	if err != nil {
		return err
	}
	if b.Variables == nil {
		return nil
	}
	if err := checkEditable(admin, tpl, *b.Variables); err != nil {
		return err
	}
	merged := map[string]any{}
	for k, v := range s.Variables {
		merged[k] = v
	}
	for k, v := range *b.Variables {
		merged[k] = variableValue(v)
	}
	_, err = resolveFor(admin, tpl, merged, true) // template_hidden.go
	return err
}
