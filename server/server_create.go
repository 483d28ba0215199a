package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/schema"
	"github.com/skypanel/skypanel/ent/server"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/gen/daemonapi"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/server/webhook"
)

// createServer validates a create request, stores the server and creates it on its node. When
// the node refuses, the database row is removed again: nothing is left half-created. fresh is
// false when an identical earlier request already created it (idempotent retry, by id or by
// externalId). generated says the panel chose id (the caller named none).
func (h *Handlers) createServer(ctx context.Context, id string, generated bool, b *gen.ServerCreate) (out gen.ServerCreated, fresh bool, err error) {
	p := PrincipalFrom(ctx)
	if !p.Admin && int(b.OwnerId) != p.UserID {
		return out, false, newAPIError(http.StatusForbidden, CodePermissionDenied,
			"only administrators create servers for other users", map[string]any{"scopes": []string{"admin"}, "field": "ownerId"})
	}
	hash, orig := createHash(id, b), b // orig: the body as sent (applyTemplate replaces b)
	if out, found, err := h.retryOf(ctx, id, generated, hash, b); found || err != nil {
		return out, false, err
	}
	quota, err := h.creatorQuota(ctx, p, b) // quota.go: nil for administrators
	if err != nil {
		return out, false, err
	}
	if b, err = applyEgg(ctx, h.tpls(), b); err != nil { // server_create_egg.go: eggId → its template
		return out, false, err
	}
	b, tpl, err := applyTemplate(ctx, h.tpls(), p.Admin, b) // h_templates.go: variables checked, defaults from the template
	if err != nil {
		return out, false, err
	}
	n, nc, f, err := h.placeServer(ctx, b) // server_place.go
	if err != nil {
		return out, false, err
	}
	// a reconcile of the node (its first contact, or its return) must not see the row before
	// the node has the server and create it a second time: hold it until the create is done
	defer h.a.reconciler.Hold(id)()
	row, err := h.insertServer(ctx, n, f, id, hash, b, quota)
	if err != nil && b.ExternalId != nil {
		// a concurrent create may have taken the externalId since the look-up (the unique
		// index refused this insert): the retry rule decides the answer
		if out, found, rerr := h.serverRetry(ctx, id, generated, orig); found || rerr != nil {
			return out, false, rerr
		}
	}
	if err != nil {
		return out, false, err
	}
	def, err := definitionOf(ctx, h.a.store.Client, row)
	if err == nil {
		err = nc.CreateServer(ctx, def)
	}
	if err != nil {
		if derr := h.a.store.Client.Server.DeleteOneID(row.ID).Exec(context.WithoutCancel(ctx)); derr != nil {
			err = errors.Join(err, derr)
		}
		return out, false, err
	}
	h.a.fire(ctx, webhook.ServerCreated, gen.WebhookEventData{Server: webhook.ServerPayload(row, "")})
	row.Edges.Node = n
	h.a.watcher.Watch(ctx, row) // state events from now on (the install's included)
	if tpl != nil {             // the definition carried the template's backup commands
		h.startInstall(ctx, nc, row.ID)
	}
	return gen.ServerCreated{Id: row.ID, Name: row.Name, Status: gen.ServerState(h.status(ctx, row).State)}, true, nil
}

// retryOf finds the server an earlier identical create made: the same id with the same
// create_hash (a caller that does not own it gets the 409 too), or the body's externalId
// (serverRetry). found is false when the create is new; any other existing server is 409.
func (h *Handlers) retryOf(ctx context.Context, id string, generated bool, hash string, b *gen.ServerCreate) (out gen.ServerCreated, found bool, err error) {
	p := PrincipalFrom(ctx)
	if existing, err := h.a.store.Client.Server.Get(ctx, id); err == nil {
		if existing.CreateHash == hash && (p.Admin || existing.OwnerID == p.UserID) {
			if err := checkSuspended(ctx, existing); err != nil { // suspend.go
				return out, true, err
			}
			return gen.ServerCreated{Id: existing.ID, Name: existing.Name, Status: gen.ServerState(h.status(ctx, existing).State)}, true, nil
		}
		md := map[string]any{"id": id}
		if b.ExternalId != nil && existing.ExternalID != nil && *existing.ExternalID == *b.ExternalId {
			md["field"] = fieldExternalID // a billing retry with another body
		}
		return out, true, errConflict("a server with this id already exists", md)
	} else if !ent.IsNotFound(err) {
		return out, false, err
	}
	if b.ExternalId == nil {
		return out, false, nil
	}
	if err := checkExternalID(*b.ExternalId); err != nil {
		return out, false, err
	}
	return h.serverRetry(ctx, id, generated, b) // externalid.go
}

// insertServer resolves defaults (environment, port) and inserts the row; with a quota (a
// tenant's create) the quota check and the insert share one transaction. f are the features
// of the node n.
func (h *Handlers) insertServer(ctx context.Context, n *ent.Node, f daemonapi.Features, id, hash string, b *gen.ServerCreate, quota *schema.Quota) (*ent.Server, error) {
	env, err := environmentOf(f, b, PrincipalFrom(ctx).Admin)
	if err != nil {
		return nil, err
	}
	if env == rt.EnvStandard && !f.Standard {
		return nil, newAPIError(http.StatusBadRequest, CodeFieldInvalid,
			"standard servers are unavailable on this node: "+deref(f.StandardReason), map[string]any{"field": "environmentType"})
	}
	image := deref(b.DockerImage)
	if env == rt.EnvDocker && image == "" {
		return nil, errFieldRequired("dockerImage")
	}
	startup := deref(b.Startup)
	if startup == "" {
		return nil, errFieldRequired("startup")
	}
	db := h.a.store.Client
	port := 0
	var row *ent.Server
	err = withTx(ctx, db, func(tx *ent.Tx) error {
		if quota != nil {
			if err := checkQuota(ctx, tx, int(b.OwnerId), quota, b); err != nil {
				return err
			}
		}
		var err error
		if port, err = portFor(ctx, tx.Client(), n.ID, b.Port); err != nil {
			return err
		}
		row, err = serverCreate(tx.Client(), id, hash, n.ID, env, image, startup, port, b).Save(ctx)
		return err
	})
	if ent.IsConstraintError(err) {
		if exists, _ := db.Server.Query().Where(server.ID(id)).Exist(ctx); exists {
			return nil, errConflict("a server with this id already exists", map[string]any{"id": id})
		}
		return nil, portTaken(port)
	}
	return row, err
}

// environmentOf picks the environment: the requested one, else docker. It never falls back
// to host processes: without a requested environment on a node whose docker environment is
// unavailable the create fails with 503 ErrNodeUnavailable and the node's reason.
func environmentOf(f daemonapi.Features, b *gen.ServerCreate, admin bool) (string, error) {
	reason := deref(f.DockerReason)
	if !admin { // the node's reason names sockets and paths: for administrators only
		reason = "ask an administrator"
	}
	if b.EnvironmentType == nil {
		if !f.Docker {
			return "", newAPIError(http.StatusServiceUnavailable, CodeNodeUnavailable,
				"the docker environment is unavailable on this node: "+reason,
				map[string]any{"field": "environmentType", "reason": reason})
		}
		return rt.EnvDocker, nil
	}
	env := string(*b.EnvironmentType)
	if env == rt.EnvDocker && !f.Docker {
		return "", newAPIError(http.StatusBadRequest, CodeFieldInvalid,
			"the docker environment is unavailable on this node: "+reason, map[string]any{"field": "environmentType"})
	}
	return env, nil
}

// portFor checks the requested port or allocates a free one on the node.
func portFor(ctx context.Context, db *ent.Client, nodeID int, want *int) (int, error) {
	if want == nil {
		return freePort(ctx, db, nodeID)
	}
	taken, err := db.Server.Query().Where(server.NodeID(nodeID), server.Port(*want)).Exist(ctx)
	if err != nil {
		return 0, err
	}
	if taken {
		return 0, portTaken(*want)
	}
	return *want, nil
}

// serverCreate builds the row of a create request.
func serverCreate(db *ent.Client, id, hash string, nodeID int, env, image, startup string, port int, b *gen.ServerCreate) *ent.ServerCreate {
	c := db.Server.Create().SetID(id).SetName(b.Name).SetOwnerID(int(b.OwnerId)).SetNodeID(nodeID).
		SetEnvironmentType(env).SetImage(image).SetStartup(startup).SetPort(port).SetCreateHash(hash).
		SetIP(deref(b.Ip)).SetAutoRestart(b.AutoRestart != nil && *b.AutoRestart).SetIcon(deref(b.Icon))
	c.SetNillableTemplate(b.Template).SetNillableExternalID(b.ExternalId)
	if b.Environment != nil {
		c.SetEnvironment(*b.Environment)
	}
	if b.Variables != nil {
		vars := map[string]any{}
		for k, v := range *b.Variables {
			vars[k] = variableString(v)
		}
		c.SetVariables(vars)
	}
	if l := b.Limits; l != nil {
		c.SetNillableMemory(l.Memory).SetNillableSwap(l.Swap).SetNillableDisk(l.Disk).SetNillablePids(l.Pids)
		if l.Cpu != nil {
			c.SetCPU(int64(*l.Cpu))
		}
		if l.Io != nil {
			c.SetIo(int64(*l.Io))
		}
	}
	if fl := b.FeatureLimits; fl != nil {
		c.SetFeatureDatabases(fl.Databases).SetFeatureBackups(fl.Backups)
	}
	return c
}

// deref is *p, or T's zero value when p is nil.
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
