package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/node"
	"github.com/skypanel/skypanel/ent/setting"
	"github.com/skypanel/skypanel/ent/user"
	"github.com/skypanel/skypanel/server/oauth"
	"github.com/skypanel/skypanel/server/store"
)

// LocalNodeName is the name of the node embedded in `skypanel serve`.
const LocalNodeName = "local"

// BootstrapAdminEmail is the first administrator's email (a reserved example domain, valid for
// the spec's format: email; change it with PATCH /api/users/{id}). Earlier versions used
// legacyAdminEmail, which strict validators refuse: Bootstrap replaces it.
const BootstrapAdminEmail = "admin@example.com"

const legacyAdminEmail = "admin@localhost"

// Bootstrap prepares a fresh database: it makes sure the local node exists and, when there is
// no user at all, creates an administrator and an admin OAuth2 client and prints their
// credentials once to out.
func Bootstrap(ctx context.Context, st *store.Store, op *oauth.Provider, host string, port int, out io.Writer) (*ent.Node, error) {
	db := st.Client
	local, err := db.Node.Query().Where(node.Local(true)).Only(ctx)
	if ent.IsNotFound(err) {
		local, err = db.Node.Create().SetName(LocalNodeName).SetLocal(true).
			SetPublicHost(host).SetPrivateHost(host).SetPublicPort(port).SetPrivatePort(port).Save(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("local node: %w", err)
	}
	if err := bootstrapSettings(ctx, db, host, port); err != nil {
		return nil, err
	}
	n, err := db.User.Query().Count(ctx)
	if err != nil || n > 0 {
		if err == nil {
			err = fixLegacyAdminEmail(ctx, db)
		}
		return local, err
	}
	password := store.RandomString(20) + "7a"
	hash, err := store.HashPassword(password)
	if err != nil {
		return nil, err
	}
	admin, err := db.User.Create().SetUsername("admin").SetEmail(BootstrapAdminEmail).
		SetPasswordHash(hash).SetAdmin(true).SetScopes([]string{"admin"}).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("create admin: %w", err)
	}
	id, secret, err := op.CreateClient(ctx, admin.ID, "bootstrap admin client", []string{"admin"})
	if err != nil {
		return nil, fmt.Errorf("create admin client: %w", err)
	}
	fmt.Fprintf(out, `
================ SkyPanel first start ================
An administrator and an admin OAuth2 client were created.
These secrets are shown ONCE; they are stored hashed.

  admin user      admin / %s
  client_id       %s
  client_secret   %s

Get a token:
  curl -s -X POST http://%s:%d/oauth2/token \
    -d grant_type=client_credentials -d client_id=%s -d client_secret=%s
======================================================

`, password, id, secret, host, port, id, secret)
	return local, nil
}

// bootstrapSettings stores the default masterUrl, the listen URL, unless one is set: the spec
// says it is a URI, so it is never empty.
func bootstrapSettings(ctx context.Context, db *ent.Client, host string, port int) error {
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	u := (&url.URL{Scheme: "http", Host: net.JoinHostPort(host, strconv.Itoa(port)), Path: "/"}).String()
	err := db.Setting.Create().SetKey(settingMasterURL).SetValue(u).
		OnConflictColumns(setting.FieldKey).DoNothing().Exec(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) { // DoNothing on a conflict: no row
		return fmt.Errorf("default settings: %w", err)
	}
	return nil
}

// fixLegacyAdminEmail gives the administrator that an earlier bootstrap created with
// legacyAdminEmail the valid BootstrapAdminEmail (unless another user holds it).
func fixLegacyAdminEmail(ctx context.Context, db *ent.Client) error {
	taken, err := db.User.Query().Where(user.Email(BootstrapAdminEmail)).Exist(ctx)
	if err != nil || taken {
		return err
	}
	_, err = db.User.Update().Where(user.Email(legacyAdminEmail)).SetEmail(BootstrapAdminEmail).Save(ctx)
	return err
}
