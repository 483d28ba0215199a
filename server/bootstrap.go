package server

import (
	"context"
	"fmt"
	"io"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/node"
	"github.com/skypanel/skypanel/server/oauth"
	"github.com/skypanel/skypanel/server/store"
)

// LocalNodeName is the name of the node embedded in `skypanel serve`.
const LocalNodeName = "local"

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
	n, err := db.User.Query().Count(ctx)
	if err != nil || n > 0 {
		return local, err
	}
	password := store.RandomString(20) + "7a"
	hash, err := store.HashPassword(password)
	if err != nil {
		return nil, err
	}
	admin, err := db.User.Create().SetUsername("admin").SetEmail("admin@localhost").
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
