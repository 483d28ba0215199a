package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/install"
	"github.com/skypanel/skypanel/daemon/install/installtest"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/ent"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/fake"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/node"
)

// tenantNode is a panel whose local node is a real daemon Manager with the docker
// environment served by the fake runtime (runtime/fake): tenants may only create docker
// servers, and what the daemon hands the runtime (limits, command) can be read back.
// Template installs download from the local fixture.
type tenantNode struct {
	env   *apitest.Env
	fake  *fake.Runtime
	admin string
}

func startTenantNode(t *testing.T, fo fake.Options) *tenantNode {
	t.Helper()
	fx := installtest.Start(t, installtest.Options{})
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	dir := tplOpenDir(t)
	fk := fake.New(fo)
	runtimes := map[string]rt.Runtime{rt.EnvDocker: fk}
	mgr, err := daemon.New(daemon.Options{DataDir: filepath.Join(dir, "node"), Runtimes: runtimes, Logger: log,
		StopTimeout: time.Second, TermTimeout: time.Second, DrainTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	local, err := nodeapi.New(nodeapi.Options{DataDir: dir, Runtimes: runtimes, Manager: mgr, Logger: log,
		Install: install.Config{MojangManifestURL: fx.MojangManifestURL, PaperAPIURL: fx.PaperAPIURL,
			Timeout: time.Minute, HeaderTimeout: 10 * time.Second, IdleTimeout: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		local.Close()
		for _, d := range mgr.List() {
			if err := mgr.Delete(context.Background(), d.ID); err != nil {
				t.Errorf("delete %s: %v", d.ID, err)
			}
		}
		mgr.Close()
	})
	env := apitest.Start(t, apitest.WithNodes(node.LocalOnly{Local: local}))
	return &tenantNode{env: env, fake: fk, admin: env.AdminToken(t)}
}

// tenant is a non-admin user whose token holds scopes.
func (n *tenantNode) tenant(t *testing.T, name string, scopes ...string) (token string, id int) {
	t.Helper()
	return n.env.UserToken(t, name, false, scopes...)
}

// setQuota sets (or with nil removes) a user's quota as the admin and returns the user.
func (n *tenantNode) setQuota(t *testing.T, userID int, quota any) map[string]any {
	t.Helper()
	r := n.env.DoJSON(t, http.MethodPost, fmt.Sprintf("/api/users/%d", userID), n.admin, map[string]any{"quota": quota})
	if r.Status != http.StatusOK {
		t.Fatalf("set quota: %d %s", r.Status, r.Body)
	}
	var u map[string]any
	r.JSON(t, &u)
	return u
}

// row is the server's database row (nil when absent).
func (n *tenantNode) row(t *testing.T, id string) *ent.Server {
	t.Helper()
	s, err := n.env.Store.Client.Server.Get(context.Background(), id)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// adminView is the server as the admin reads it (status left out: it moves on its own).
func (n *tenantNode) adminView(t *testing.T, id string) string {
	t.Helper()
	r := n.env.Do(t, http.MethodGet, "/api/servers/"+id, n.admin, nil, nil)
	var m map[string]any
	r.JSON(t, &m)
	delete(m, "status")
	b, _ := json.Marshal(m)
	return fmt.Sprintf("%d %s", r.Status, b)
}

// field is metadata.field of an error.
func fieldOf(t *testing.T, r *apitest.Response) string {
	t.Helper()
	d := r.Error(t)
	if d.Metadata == nil {
		return ""
	}
	f, _ := (*d.Metadata)["field"].(string)
	return f
}

// limits is a create body's limits.
func limits(memory, disk, cpu int) map[string]any {
	return map[string]any{"memory": memory, "disk": disk, "cpu": cpu}
}
