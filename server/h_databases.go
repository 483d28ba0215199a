package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/serverdatabase"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/server/mysql"
)

// dropTimeout bounds the clean-up of a half-created database when the request is gone.
const dropTimeout = 30 * time.Second

// connectionString is mysql://user@host:port/name, without the password.
func connectionString(user, host string, port int, name string) string {
	return "mysql://" + user + "@" + net.JoinHostPort(host, strconv.Itoa(port)) + "/" + name
}

func toServerDatabase(d *ent.ServerDatabase, hst *ent.DatabaseHost) gen.ServerDatabase {
	return gen.ServerDatabase{Id: int64(d.ID), Name: d.Name, Username: d.Username, Host: hst.Host, Port: hst.Port,
		DatabaseHostId: int64(hst.ID), ConnectionString: connectionString(d.Username, hst.Host, hst.Port, d.Name)}
}

// serverDatabase loads database id of server s (with its host); another server's database is
// not found.
func (h *Handlers) serverDatabase(ctx context.Context, s *ent.Server, id int64) (*ent.ServerDatabase, error) {
	d, err := h.a.store.Client.ServerDatabase.Query().
		Where(serverdatabase.ID(int(id)), serverdatabase.ServerID(s.ID)).WithHost().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errDatabaseNotFound(id)
	}
	return d, err
}

// ListServerDatabases lists the server's databases by id.
func (h *Handlers) ListServerDatabases(ctx context.Context, req gen.ListServerDatabasesRequestObject) (gen.ListServerDatabasesResponseObject, error) {
	s, err := h.serverByID(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	page, limit := pageOf(req.Params.Page, req.Params.Limit)
	q := h.a.store.Client.ServerDatabase.Query().Where(serverdatabase.ServerID(s.ID))
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := q.WithHost().Order(ent.Asc(serverdatabase.FieldID)).Offset(offset(page, limit)).Limit(limit).All(ctx)
	if err != nil {
		return nil, err
	}
	out := gen.ServerDatabaseList{Databases: make([]gen.ServerDatabase, 0, len(rows)), Metadata: listMeta(page, limit, total)}
	for _, d := range rows {
		out.Databases = append(out.Databases, toServerDatabase(d, d.Edges.Host))
	}
	return gen.ListServerDatabases200JSONResponse{Body: out}, nil
}

// CreateServerDatabase creates the database and its user on the host, then records it. The
// row is written only once the host side exists, and the host side is dropped again when the
// row cannot be written: no database without a row, no row without a database.
func (h *Handlers) CreateServerDatabase(ctx context.Context, req gen.CreateServerDatabaseRequestObject) (gen.CreateServerDatabaseResponseObject, error) {
	s, err := h.serverByID(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	hst, err := h.dbHostByID(ctx, req.Body.DatabaseHostId)
	if err != nil {
		return nil, err
	}
	name, err := mysql.ServerDatabaseName(s.ID, deref(req.Body.DatabaseName))
	if err != nil {
		return nil, err
	}
	user := mysql.ServerUserName(s.ID)
	if err := checkDatabaseLimits(ctx, h.a.store.Client, s.ID, hst); err != nil {
		return nil, err
	}
	taken, err := h.a.store.Client.ServerDatabase.Query().
		Where(serverdatabase.HostID(hst.ID), serverdatabase.Name(name)).Exist(ctx)
	if err != nil {
		return nil, err
	}
	if taken {
		return nil, errConflict(fmt.Sprintf("database %s already exists on database host %d", name, hst.ID),
			map[string]any{"field": "databaseName"})
	}
	c, err := h.hostConn(ctx, hst)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	password := mysql.NewPassword()
	if err := c.CreateDatabase(ctx, name, user, password); err != nil {
		return nil, &hostError{id: hst.ID, err: err}
	}
	row, err := h.recordDatabase(ctx, s.ID, hst, name, user)
	if err != nil {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dropTimeout)
		defer cancel()
		if derr := c.DropDatabase(dctx, name, user); derr != nil {
			h.a.log.Error("cannot drop a database whose record failed", "database_host", hst.ID,
				"database", name, "user", user, "err", derr)
		}
		return nil, err
	}
	v := toServerDatabase(row, hst)
	return gen.CreateServerDatabase201JSONResponse{Body: gen.ServerDatabaseCreated{Id: v.Id, Name: v.Name,
		Username: v.Username, Host: v.Host, Port: v.Port, DatabaseHostId: v.DatabaseHostId,
		ConnectionString: v.ConnectionString, Password: password}}, nil
}

// recordDatabase writes the row in a transaction that checks the limits again, so concurrent
// creations cannot exceed them (the loser's host side is dropped by the caller).
func (h *Handlers) recordDatabase(ctx context.Context, serverID string, hst *ent.DatabaseHost, name, user string) (*ent.ServerDatabase, error) {
	var row *ent.ServerDatabase
	err := withTx(ctx, h.a.store.Client, func(tx *ent.Tx) error {
		fresh, err := tx.DatabaseHost.Get(ctx, hst.ID)
		if ent.IsNotFound(err) {
			return errDatabaseHostNotFound(int64(hst.ID))
		}
		if err != nil {
			return err
		}
		if err := checkDatabaseLimits(ctx, tx.Client(), serverID, fresh); err != nil {
			return err
		}
		row, err = tx.ServerDatabase.Create().SetServerID(serverID).SetHostID(hst.ID).SetName(name).
			SetUsername(user).Save(ctx)
		return err
	})
	if ent.IsConstraintError(err) {
		return nil, errConflict(fmt.Sprintf("database %s already exists on database host %d", name, hst.ID),
			map[string]any{"field": "databaseName"})
	}
	return row, err
}

// checkDatabaseLimits enforces the server's featureLimits.databases and the host's
// maxDatabases (absent or 0: unlimited).
func checkDatabaseLimits(ctx context.Context, db *ent.Client, serverID string, hst *ent.DatabaseHost) error {
	s, err := db.Server.Get(ctx, serverID)
	if ent.IsNotFound(err) {
		return errServerNotFound(serverID)
	}
	if err != nil {
		return err
	}
	n, err := db.ServerDatabase.Query().Where(serverdatabase.ServerID(serverID)).Count(ctx)
	if err != nil {
		return err
	}
	if n >= s.FeatureDatabases {
		return newAPIError(http.StatusConflict, CodeDatabaseLimit,
			fmt.Sprintf("server %s reached its database limit (featureLimits.databases = %d)", serverID, s.FeatureDatabases),
			map[string]any{"limit": s.FeatureDatabases, "field": "featureLimits.databases"})
	}
	if hst.MaxDatabases == nil || *hst.MaxDatabases == 0 {
		return nil
	}
	n, err = db.ServerDatabase.Query().Where(serverdatabase.HostID(hst.ID)).Count(ctx)
	if err != nil {
		return err
	}
	if n >= *hst.MaxDatabases {
		return newAPIError(http.StatusConflict, CodeDatabaseLimit,
			fmt.Sprintf("database host %d is full (maxDatabases = %d); choose another host", hst.ID, *hst.MaxDatabases),
			map[string]any{"limit": *hst.MaxDatabases, "databaseHostId": hst.ID, "field": "databaseHostId"})
	}
	return nil
}

// DeleteServerDatabase drops the database and its user on the host, then the row.
func (h *Handlers) DeleteServerDatabase(ctx context.Context, req gen.DeleteServerDatabaseRequestObject) (gen.DeleteServerDatabaseResponseObject, error) {
	s, err := h.serverByID(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	d, err := h.serverDatabase(ctx, s, req.DatabaseId)
	if err != nil {
		return nil, err
	}
	conns := hostConns{h: h}
	defer conns.close()
	if err := conns.drop(ctx, d); err != nil {
		return nil, err
	}
	return gen.DeleteServerDatabase204Response{}, nil
}

// RotateServerDatabasePassword gives the database user a new password, returned once.
func (h *Handlers) RotateServerDatabasePassword(ctx context.Context, req gen.RotateServerDatabasePasswordRequestObject) (gen.RotateServerDatabasePasswordResponseObject, error) {
	s, err := h.serverByID(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	d, err := h.serverDatabase(ctx, s, req.DatabaseId)
	if err != nil {
		return nil, err
	}
	c, err := h.hostConn(ctx, d.Edges.Host)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	password := mysql.NewPassword()
	if err := c.SetPassword(ctx, d.Username, password); err != nil {
		return nil, &hostError{id: d.HostID, err: err}
	}
	return gen.RotateServerDatabasePassword200JSONResponse{Body: gen.DatabasePassword{Password: password}}, nil
}

// dropServerDatabases drops every database of server s on its host, removing each row once
// its host side is gone. It tries them all and returns the failures joined; the rows of
// failed drops remain, so deleting the server again retries them.
func (h *Handlers) dropServerDatabases(ctx context.Context, s *ent.Server) error {
	rows, err := h.a.store.Client.ServerDatabase.Query().Where(serverdatabase.ServerID(s.ID)).
		WithHost().Order(ent.Asc(serverdatabase.FieldID)).All(ctx)
	if err != nil {
		return err
	}
	conns := hostConns{h: h}
	defer conns.close()
	var errs []error
	for _, d := range rows {
		errs = append(errs, conns.drop(ctx, d))
	}
	return errors.Join(errs...)
}

// hostConns opens one connection per host for a series of drops; a host that cannot be
// reached is tried once.
type hostConns struct {
	h      *Handlers
	conns  map[int]*mysql.Client
	failed map[int]bool
}

// drop drops database d (loaded with its host) on the host, then its row.
func (hc *hostConns) drop(ctx context.Context, d *ent.ServerDatabase) error {
	if hc.failed[d.HostID] {
		return nil // already reported
	}
	c, ok := hc.conns[d.HostID]
	if !ok {
		var err error
		if c, err = hc.h.hostConn(ctx, d.Edges.Host); err != nil {
			if hc.failed == nil {
				hc.failed = map[int]bool{}
			}
			hc.failed[d.HostID] = true
			return err
		}
		if hc.conns == nil {
			hc.conns = map[int]*mysql.Client{}
		}
		hc.conns[d.HostID] = c
	}
	if err := c.DropDatabase(ctx, d.Name, d.Username); err != nil {
		return &hostError{id: d.HostID, err: err}
	}
	err := hc.h.a.store.Client.ServerDatabase.DeleteOneID(d.ID).Exec(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return err
	}
	return nil
}

func (hc *hostConns) close() {
	for _, c := range hc.conns {
		_ = c.Close()
	}
}
