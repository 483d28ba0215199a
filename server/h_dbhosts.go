package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/databasehost"
	"github.com/skypanel/skypanel/ent/serverdatabase"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/server/mysql"
	"github.com/skypanel/skypanel/server/store"
)

// hostAAD binds a sealed host password to its row: a ciphertext copied to another row (or a
// row whose id changed) does not decrypt.
func hostAAD(id int) []byte { return []byte("skypanel/databasehost/" + strconv.Itoa(id) + "/password") }

func (h *Handlers) sealer() (*store.Sealer, error) { return store.NewSealer(h.a.store.Keys.Seal) }

func (h *Handlers) dbHostByID(ctx context.Context, id int64) (*ent.DatabaseHost, error) {
	hst, err := h.a.store.Client.DatabaseHost.Get(ctx, int(id))
	if ent.IsNotFound(err) {
		return nil, errDatabaseHostNotFound(id)
	}
	return hst, err
}

// hostConn decrypts the host's password and connects; failures are *hostError.
func (h *Handlers) hostConn(ctx context.Context, hst *ent.DatabaseHost) (*mysql.Client, error) {
	s, err := h.sealer()
	if err != nil {
		return nil, err
	}
	pw, err := s.Open(hst.PasswordEnc, hostAAD(hst.ID))
	if err != nil {
		return nil, &hostError{id: hst.ID, err: err}
	}
	c, err := mysql.Open(ctx, mysql.Host{Host: hst.Host, Port: hst.Port, User: hst.Username, Password: string(pw)})
	if err != nil {
		return nil, &hostError{id: hst.ID, err: err}
	}
	return c, nil
}

// checkHostCredentials connects and proves the account can create databases and users; a
// failure is a 400 naming the field to fix. Nothing of the host is stored before this passes.
func checkHostCredentials(ctx context.Context, hst mysql.Host) error {
	c, err := mysql.Open(ctx, hst)
	if err == nil {
		err = c.CheckPrivileges(ctx)
		_ = c.Close()
	}
	if err == nil {
		return nil
	}
	addr := hst.Addr()
	field, msg := "host", fmt.Sprintf("the database host %s answered with an error", addr)
	switch {
	case errors.Is(err, mysql.ErrUnreachable):
		msg = fmt.Sprintf("cannot connect to %s: check host and port, and that the server accepts remote connections", addr)
	case errors.Is(err, mysql.ErrAccessDenied):
		field, msg = "password", fmt.Sprintf("%s refused the username or password (or this panel's address)", addr)
	case errors.Is(err, mysql.ErrPrivileges):
		field, msg = "username", fmt.Sprintf("user %s cannot create databases and users with grants on %s: "+
			"it needs GRANT ALL PRIVILEGES ON *.* ... WITH GRANT OPTION", hst.User, addr)
	}
	if n, ok := mysql.ErrorNumber(err); ok {
		msg += fmt.Sprintf(" (MySQL error %d)", n)
	}
	return &APIError{Status: http.StatusBadRequest, Code: CodeFieldInvalid, Msg: msg,
		Metadata: map[string]any{"field": field}, Cause: err}
}

func toDatabaseHost(hst *ent.DatabaseHost, databases int) gen.DatabaseHost {
	out := gen.DatabaseHost{Id: int64(hst.ID), Name: hst.Name, Host: hst.Host, Port: hst.Port,
		Username: hst.Username, MaxDatabases: hst.MaxDatabases, Databases: databases}
	if hst.NodeID != nil {
		n := int64(*hst.NodeID)
		out.NodeId = &n
	}
	return out
}

// databaseCounts counts the databases of each host.
func (h *Handlers) databaseCounts(ctx context.Context, ids ...int) (map[int]int, error) {
	var rows []struct {
		HostID int `json:"host_id"`
		Count  int `json:"count"`
	}
	err := h.a.store.Client.ServerDatabase.Query().Where(serverdatabase.HostIDIn(ids...)).
		GroupBy(serverdatabase.FieldHostID).Aggregate(ent.Count()).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make(map[int]int, len(rows))
	for _, r := range rows {
		out[r.HostID] = r.Count
	}
	return out, nil
}

// ListDatabaseHosts lists hosts by id with their number of databases.
func (h *Handlers) ListDatabaseHosts(ctx context.Context, req gen.ListDatabaseHostsRequestObject) (gen.ListDatabaseHostsResponseObject, error) {
	page, limit := pageOf(req.Params.Page, req.Params.Limit)
	q := h.a.store.Client.DatabaseHost.Query()
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := q.Order(ent.Asc(databasehost.FieldID)).Offset(offset(page, limit)).Limit(limit).All(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	counts, err := h.databaseCounts(ctx, ids...)
	if err != nil {
		return nil, err
	}
	out := gen.DatabaseHostList{DatabaseHosts: make([]gen.DatabaseHost, 0, len(rows)), Metadata: listMeta(page, limit, total)}
	for _, r := range rows {
		out.DatabaseHosts = append(out.DatabaseHosts, toDatabaseHost(r, counts[r.ID]))
	}
	return gen.ListDatabaseHosts200JSONResponse{Body: out}, nil
}

// CreateDatabaseHost checks the credentials on the host, then stores it with the password
// sealed (AES-GCM, bound to the row id).
func (h *Handlers) CreateDatabaseHost(ctx context.Context, req gen.CreateDatabaseHostRequestObject) (gen.CreateDatabaseHostResponseObject, error) {
	b := req.Body
	port := 3306
	if b.Port != nil {
		port = *b.Port
	}
	password := deref(b.Password) // required: the validator refuses a body without it
	nodeID, err := h.hostNode(ctx, b.NodeId)
	if err != nil {
		return nil, err
	}
	if err := checkHostCredentials(ctx, mysql.Host{Host: b.Host, Port: port, User: b.Username, Password: password}); err != nil {
		return nil, err
	}
	sealer, err := h.sealer()
	if err != nil {
		return nil, err
	}
	var hst *ent.DatabaseHost
	err = withTx(ctx, h.a.store.Client, func(tx *ent.Tx) error {
		c := tx.DatabaseHost.Create().SetName(b.Name).SetHost(b.Host).SetPort(port).SetUsername(b.Username).
			SetPasswordEnc([]byte{}).SetNillableNodeID(nodeID)
		if b.MaxDatabases != nil && *b.MaxDatabases > 0 {
			c.SetMaxDatabases(*b.MaxDatabases)
		}
		row, err := c.Save(ctx)
		if err != nil {
			return err
		}
		hst, err = row.Update().SetPasswordEnc(sealer.Seal([]byte(password), hostAAD(row.ID))).Save(ctx)
		return err
	})
	if ent.IsConstraintError(err) {
		return nil, errConflict("a database host with this name already exists", map[string]any{"field": "name"})
	}
	if err != nil {
		return nil, err
	}
	return gen.CreateDatabaseHost201JSONResponse{Body: toDatabaseHost(hst, 0)}, nil
}

// hostNode resolves the optional node link (nil or 0: none).
func (h *Handlers) hostNode(ctx context.Context, id *int64) (*int, error) {
	if id == nil || *id == 0 {
		return nil, nil
	}
	n, err := h.a.store.Client.Node.Get(ctx, int(*id))
	if ent.IsNotFound(err) {
		return nil, newAPIError(http.StatusNotFound, CodeNodeNotFound, fmt.Sprintf("Node with ID %d not found", *id),
			map[string]any{"id": *id, "field": "nodeId"})
	}
	if err != nil {
		return nil, err
	}
	return &n.ID, nil
}

// GetDatabaseHost returns one host (never its password).
func (h *Handlers) GetDatabaseHost(ctx context.Context, req gen.GetDatabaseHostRequestObject) (gen.GetDatabaseHostResponseObject, error) {
	hst, err := h.dbHostByID(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	counts, err := h.databaseCounts(ctx, hst.ID)
	if err != nil {
		return nil, err
	}
	return gen.GetDatabaseHost200JSONResponse{Body: toDatabaseHost(hst, counts[hst.ID])}, nil
}

// DeleteDatabaseHost removes a host that holds no databases (409 otherwise).
func (h *Handlers) DeleteDatabaseHost(ctx context.Context, req gen.DeleteDatabaseHostRequestObject) (gen.DeleteDatabaseHostResponseObject, error) {
	hst, err := h.dbHostByID(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	counts, err := h.databaseCounts(ctx, hst.ID)
	if err != nil {
		return nil, err
	}
	inUse := func(n int) error {
		return errConflict(fmt.Sprintf("database host %d still holds %d databases; delete them first", hst.ID, n),
			map[string]any{"id": req.Id, "databases": n})
	}
	if n := counts[hst.ID]; n > 0 {
		return nil, inUse(n)
	}
	err = h.a.store.Client.DatabaseHost.DeleteOne(hst).Exec(ctx)
	if ent.IsConstraintError(err) { // a database was created meanwhile (the foreign key refuses)
		return nil, inUse(1)
	}
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	return gen.DeleteDatabaseHost204Response{}, nil
}

// UpdateDatabaseHost changes the given fields. When the address or credentials change, the
// new ones (with the stored password unless a new one is given) are checked first.
func (h *Handlers) UpdateDatabaseHost(ctx context.Context, req gen.UpdateDatabaseHostRequestObject) (gen.UpdateDatabaseHostResponseObject, error) {
	hst, err := h.dbHostByID(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	b := req.Body
	target := mysql.Host{Host: hst.Host, Port: hst.Port, User: hst.Username}
	changed := b.Password != nil
	for _, f := range []struct {
		v   *string
		dst *string
	}{{b.Host, &target.Host}, {b.Username, &target.User}} {
		if f.v != nil && *f.v != *f.dst {
			*f.dst, changed = *f.v, true
		}
	}
	if b.Port != nil && *b.Port != target.Port {
		target.Port, changed = *b.Port, true
	}
	nodeID, err := h.hostNode(ctx, b.NodeId)
	if err != nil {
		return nil, err
	}
	sealer, err := h.sealer()
	if err != nil {
		return nil, err
	}
	if changed {
		if b.Password != nil {
			target.Password = *b.Password
		} else {
			pw, err := sealer.Open(hst.PasswordEnc, hostAAD(hst.ID))
			if err != nil {
				return nil, &hostError{id: hst.ID, err: err}
			}
			target.Password = string(pw)
		}
		if err := checkHostCredentials(ctx, target); err != nil {
			return nil, err
		}
	}
	upd := hst.Update().SetNillableName(b.Name).SetHost(target.Host).SetPort(target.Port).SetUsername(target.User)
	if b.Password != nil {
		upd.SetPasswordEnc(sealer.Seal([]byte(*b.Password), hostAAD(hst.ID)))
	}
	switch {
	case b.MaxDatabases == nil:
	case *b.MaxDatabases == 0:
		upd.ClearMaxDatabases()
	default:
		upd.SetMaxDatabases(*b.MaxDatabases)
	}
	switch {
	case b.NodeId == nil:
	case nodeID == nil:
		upd.ClearNodeID()
	default:
		upd.SetNodeID(*nodeID)
	}
	row, err := upd.Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, errConflict("a database host with this name already exists", map[string]any{"field": "name"})
	}
	if err != nil {
		return nil, err
	}
	counts, err := h.databaseCounts(ctx, row.ID)
	if err != nil {
		return nil, err
	}
	return gen.UpdateDatabaseHost200JSONResponse{Body: toDatabaseHost(row, counts[row.ID])}, nil
}
