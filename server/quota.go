package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/schema"
	"github.com/skypanel/skypanel/ent/server"
	"github.com/skypanel/skypanel/gen"
)

// creatorQuota loads the owner of a new server and, for a tenant's create, returns the
// owner's quota after checking the request's limits (nil for administrators, who have none).
func (h *Handlers) creatorQuota(ctx context.Context, p *Principal, b *gen.ServerCreate) (*schema.Quota, error) {
	owner, err := h.a.store.Client.User.Get(ctx, int(b.OwnerId))
	if ent.IsNotFound(err) {
		return nil, errUserNotFound(b.OwnerId)
	} else if err != nil {
		return nil, err
	}
	if p.Admin {
		return nil, nil
	}
	if owner.Quota == nil {
		return nil, noQuota()
	}
	return owner.Quota, tenantLimits(b)
}

// tenantLimits checks what a non-admin create must carry: explicit memory, disk and CPU limits
// (0 would mean unlimited) and no unlimited swap. Amounts are checked against the quota later.
func tenantLimits(b *gen.ServerCreate) error {
	l := b.Limits
	if l == nil {
		l = &gen.ServerLimits{}
	}
	for _, f := range []struct {
		name string
		v    *int64
	}{{"limits.memory", l.Memory}, {"limits.disk", l.Disk}, {"limits.cpu", intPtr64(l.Cpu)}} {
		if f.v == nil {
			return errFieldRequired(f.name)
		}
		if *f.v <= 0 {
			return errFieldInvalid(f.name, f.name+" must be greater than 0 for servers created within a quota")
		}
	}
	if l.Swap != nil && *l.Swap < 0 {
		return errFieldInvalid("limits.swap", "unlimited swap (-1) is for administrators only")
	}
	return nil
}

func intPtr64(v *int) *int64 {
	if v == nil {
		return nil
	}
	n := int64(*v)
	return &n
}

// noQuota is the refusal of a tenant create when the administrator set no quota.
func noQuota() *APIError {
	return newAPIError(http.StatusForbidden, CodePermissionDenied,
		"you have no server quota: an administrator must set one before you can create servers",
		map[string]any{"field": "quota", "scopes": []string{"admin"}})
}

// quotaAsk is what one create asks of a quota.
type quotaAsk struct {
	memory, disk, cpu, databases, backups int64
}

func askOf(b *gen.ServerCreate) quotaAsk {
	var a quotaAsk
	if l := b.Limits; l != nil {
		a.memory, a.disk, a.cpu = deref(l.Memory), deref(l.Disk), int64(deref(l.Cpu))
	}
	if fl := b.FeatureLimits; fl != nil {
		a.databases, a.backups = int64(fl.Databases), int64(fl.Backups)
	}
	return a
}

// checkQuota verifies, inside the create's transaction, that the owner's servers plus this
// one stay within q. It first writes the owner's row, which serialises concurrent creates of
// one user on every database (SQLite transactions are immediate anyway).
func checkQuota(ctx context.Context, tx *ent.Tx, owner int, q *schema.Quota, b *gen.ServerCreate) error {
	if err := tx.User.UpdateOneID(owner).Exec(ctx); err != nil {
		return fmt.Errorf("lock the owner: %w", err)
	}
	rows, err := tx.Server.Query().Where(server.OwnerID(owner)).
		Select(server.FieldMemory, server.FieldDisk, server.FieldCPU, server.FieldFeatureDatabases,
			server.FieldFeatureBackups).All(ctx)
	if err != nil {
		return err
	}
	var used quotaAsk
	for _, s := range rows {
		used.memory += s.Memory
		used.disk += s.Disk
		used.cpu += s.CPU
		used.databases += int64(s.FeatureDatabases)
		used.backups += int64(s.FeatureBackups)
	}
	ask := askOf(b)
	checks := []struct {
		field            string
		limit, used, ask int64
	}{
		{"quota.servers", int64(q.Servers), int64(len(rows)), 1},
		{"limits.memory", q.MemoryMiB, used.memory, ask.memory},
		{"limits.disk", q.DiskMiB, used.disk, ask.disk},
		{"limits.cpu", int64(q.CPU), used.cpu, ask.cpu},
		{"featureLimits.databases", int64(q.Databases), used.databases, ask.databases},
		{"featureLimits.backups", int64(q.Backups), used.backups, ask.backups},
	}
	for _, c := range checks {
		if c.used+c.ask > c.limit {
			return overQuota(c.field, c.limit, c.used, c.ask)
		}
	}
	return nil
}

func overQuota(field string, limit, used, ask int64) *APIError {
	remaining := max(limit-used, 0)
	return newAPIError(http.StatusForbidden, CodePermissionDenied,
		fmt.Sprintf("over your quota: %s asks %d, %d of %d remain", field, ask, remaining, limit),
		map[string]any{"field": field, "quota": limit, "used": used, "remaining": remaining,
			"scopes": []string{"admin"}})
}

// toQuota is the API form of a stored quota (nil when absent).
func toQuota(q *schema.Quota) *gen.UserQuota {
	if q == nil {
		return nil
	}
	return &gen.UserQuota{Servers: q.Servers, Memory: q.MemoryMiB, Disk: q.DiskMiB, Cpu: q.CPU,
		Databases: q.Databases, Backups: q.Backups}
}

// fromQuota is the stored form of an API quota.
func fromQuota(q gen.UserQuota) *schema.Quota {
	return &schema.Quota{Servers: q.Servers, MemoryMiB: q.Memory, DiskMiB: q.Disk, CPU: q.Cpu,
		Databases: q.Databases, Backups: q.Backups}
}
