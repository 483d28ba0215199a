package server_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/ent/user"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/store"
)

// TestBootstrap: a fresh data folder gets the local node, an administrator and an admin
// client whose credentials are printed once and work; a second start prints nothing.
func TestBootstrap(t *testing.T) {
	env := apitest.Start(t)
	out := env.BootstrapOutput
	if !strings.Contains(out, env.AdminClientID) || !strings.Contains(out, env.AdminClientSecret) {
		t.Fatalf("the harness did not read the admin client from the output:\n%s", out)
	}
	m := regexp.MustCompile(`admin user\s+admin / (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no admin password in:\n%s", out)
	}
	ctx := context.Background()
	admin, err := env.Store.Client.User.Query().Where(user.Username("admin")).Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !admin.Admin || admin.ID != env.AdminID || !store.CheckPassword(admin.PasswordHash, m[1]) || admin.Email != server.BootstrapAdminEmail {
		t.Errorf("admin %+v does not match the printed password", admin)
	}
	if env.LocalNode == nil || !env.LocalNode.Local || env.LocalNode.Name != server.LocalNodeName {
		t.Errorf("local node = %+v", env.LocalNode)
	}
	r := env.Do(t, http.MethodGet, "/api/self", env.AdminToken(t), nil, nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"admin":true`) {
		t.Errorf("the printed client: %d %s", r.Status, r.Body)
	}

	// an administrator bootstrapped by an older version gets the valid email on the next start
	if err := env.Store.Client.User.UpdateOneID(admin.ID).SetEmail("admin@localhost").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	again := apitest.Start(t, apitest.WithDataDir(env.DataDir))
	if u, err := again.Store.Client.User.Get(ctx, admin.ID); err != nil || u.Email != server.BootstrapAdminEmail {
		t.Errorf("legacy admin email not replaced: %v %v", u, err)
	}
	if again.BootstrapOutput != "" || again.LocalNode.ID != env.LocalNode.ID {
		t.Errorf("second start: output %q, local node %d (first %d)", again.BootstrapOutput, again.LocalNode.ID, env.LocalNode.ID)
	}
	if n, _ := again.Store.Client.User.Query().Count(ctx); n != 1 {
		t.Errorf("%d users after a second start", n)
	}
}
