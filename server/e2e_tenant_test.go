package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/skypanel/skypanel/runtime/fake"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// TestIssueExamplesRefused writes the issue's opening examples exactly as stated: each is a
// non-admin request that used to succeed and now gets 403 naming the field, with nothing
// changed (database row, the admin's view, the definition the node runs).
func TestIssueExamplesRefused(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	token, tenantID := n.tenant(t, "tenant", "server.view", "server.definition.edit", "server.create")
	r := n.env.DoJSON(t, http.MethodPut, "/api/servers/TENANT01", n.admin, map[string]any{"name": "small",
		"ownerId": tenantID, "environmentType": "docker", "dockerImage": "busybox", "startup": "sleep 1000",
		"limits": map[string]any{"memory": 128, "disk": 1024, "cpu": 50}})
	if r.Status != http.StatusCreated {
		t.Fatalf("admin create: %d %s", r.Status, r.Body)
	}

	t.Run("definition edit: memory 0 and any command", func(t *testing.T) {
		before, view := n.row(t, "TENANT01"), n.adminView(t, "TENANT01")
		body := `{"server":{"data":{"memory":0},"run":{"command":"…anything…"}}}`
		r := n.env.Do(t, http.MethodPut, "/api/servers/TENANT01/definition", token, strings.NewReader(body), nil)
		r.ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
		if f := fieldOf(t, r); f != "server.data.memory" {
			t.Errorf("metadata.field = %q, want server.data.memory", f)
		}
		after := n.row(t, "TENANT01")
		if after.Memory != 128 || after.Startup != "sleep 1000" || !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("row changed: memory %d, startup %q", after.Memory, after.Startup)
		}
		if v := n.adminView(t, "TENANT01"); v != view {
			t.Errorf("admin view changed:\n%s\n%s", view, v)
		}
		spec, err := n.fake.Spec("TENANT01")
		if err != nil || spec.Limits.MemoryMiB != 128 || !strings.Contains(spec.Command, "sleep 1000") {
			t.Errorf("node definition changed: %+v %v", spec, err)
		}
	})
	t.Run("create: standard environment without limits", func(t *testing.T) {
		body := fmt.Sprintf(`{"name":"host","ownerId":%d,"environmentType":"standard","startup":"id"}`, tenantID)
		r := n.env.Do(t, http.MethodPut, "/api/servers/HOSTPROC", token, strings.NewReader(body), nil)
		r.ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
		if f := fieldOf(t, r); f != "environmentType" {
			t.Errorf("metadata.field = %q, want environmentType", f)
		}
		if n.row(t, "HOSTPROC") != nil {
			t.Error("the server was created")
		}
	})
}

// TestTenantQuota: a tenant creates only within the quota the admin set (absent = never),
// limits are mandatory and summed over the tenant's servers; the quota is set, shown and
// cleared through the user routes by administrators only.
func TestTenantQuota(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	token, id := n.tenant(t, "quoted", "server.create", "server.view", "users.info.view", "users.info.edit")
	self := fmt.Sprintf("/api/users/%d", id)
	create := func(t *testing.T, sid string, lim, feat map[string]any) *apitest.Response {
		body := map[string]any{"name": sid, "ownerId": id, "template": "minecraft-java", "limits": lim}
		if feat != nil {
			body["featureLimits"] = feat
		}
		return n.env.DoJSON(t, http.MethodPut, "/api/servers/"+sid, token, body)
	}
	expectRefused := func(t *testing.T, r *apitest.Response, status int, code, field string) {
		t.Helper()
		r.ExpectError(t, status, code)
		if f := fieldOf(t, r); f != field {
			t.Errorf("metadata.field = %q, want %q", f, field)
		}
	}
	expectRefused(t, create(t, "NOQUOTA1", limits(128, 1024, 50), nil), http.StatusForbidden, server.CodePermissionDenied, "quota")
	r := n.env.DoJSON(t, http.MethodPost, self, token, map[string]any{"quota": map[string]any{"servers": 9,
		"memory": 9, "disk": 9, "cpu": 9, "databases": 9, "backups": 9}})
	expectRefused(t, r, http.StatusForbidden, server.CodePermissionDenied, "quota.backups")

	u := n.setQuota(t, id, map[string]any{"servers": 2, "memory": 1024, "disk": 4096, "cpu": 200, "databases": 1, "backups": 2})
	if q, _ := u["quota"].(map[string]any); q == nil || q["memory"] != float64(1024) || q["servers"] != float64(2) {
		t.Fatalf("quota not shown on the user: %v", u)
	}
	var me map[string]any
	n.env.Do(t, http.MethodGet, self, token, nil, nil).JSON(t, &me)
	if me["quota"] == nil {
		t.Errorf("the tenant does not see its quota: %v", me)
	}

	expectRefused(t, n.env.DoJSON(t, http.MethodPut, "/api/servers/NOLIMIT1", token, map[string]any{"name": "x",
		"ownerId": id, "template": "minecraft-java"}), http.StatusBadRequest, server.CodeFieldRequired, "limits.memory")
	expectRefused(t, create(t, "UNLIMIT1", limits(0, 1024, 50), nil), http.StatusBadRequest, server.CodeFieldInvalid, "limits.memory")
	swap := limits(128, 1024, 50)
	swap["swap"] = -1
	expectRefused(t, create(t, "SWAP0001", swap, nil), http.StatusBadRequest, server.CodeFieldInvalid, "limits.swap")

	if r := create(t, "QUOTA001", limits(512, 2048, 100), map[string]any{"databases": 1, "backups": 1}); r.Status != http.StatusCreated {
		t.Fatalf("within quota: %d %s", r.Status, r.Body)
	}
	r = create(t, "QUOTA002", limits(1024, 1024, 50), nil)
	expectRefused(t, r, http.StatusForbidden, server.CodePermissionDenied, "limits.memory")
	if md := *r.Error(t).Metadata; md["remaining"] != float64(512) {
		t.Errorf("metadata.remaining = %v, want 512", md["remaining"])
	}
	expectRefused(t, create(t, "QUOTA002", limits(512, 1024, 50), map[string]any{"databases": 1, "backups": 0}),
		http.StatusForbidden, server.CodePermissionDenied, "featureLimits.databases")
	if r := create(t, "QUOTA002", limits(512, 2048, 100), map[string]any{"databases": 0, "backups": 1}); r.Status != http.StatusCreated {
		t.Fatalf("the rest of the quota: %d %s", r.Status, r.Body)
	}
	expectRefused(t, create(t, "QUOTA003", limits(1, 1, 1), nil), http.StatusForbidden, server.CodePermissionDenied, "quota.servers")
	for _, sid := range []string{"NOQUOTA1", "NOLIMIT1", "UNLIMIT1", "SWAP0001", "QUOTA003"} {
		if n.row(t, sid) != nil {
			t.Errorf("refused server %s exists", sid)
		}
	}
	if s := n.row(t, "QUOTA001"); s.EnvironmentType != "docker" || s.Memory != 512 || s.CPU != 100 {
		t.Errorf("created server: env %s memory %d cpu %d", s.EnvironmentType, s.Memory, s.CPU)
	}

	if u := n.setQuota(t, id, nil); u["quota"] != nil {
		t.Errorf("quota not cleared: %v", u)
	}
	n.env.Do(t, http.MethodDelete, "/api/servers/QUOTA002", n.admin, nil, nil)
	expectRefused(t, create(t, "QUOTA004", limits(1, 1, 1), nil), http.StatusForbidden, server.CodePermissionDenied, "quota")
}

// TestTenantQuotaConcurrent: concurrent creates cannot exceed the quota together.
func TestTenantQuotaConcurrent(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	token, id := n.tenant(t, "racer", "server.create")
	n.setQuota(t, id, map[string]any{"servers": 20, "memory": 1000, "disk": 100000, "cpu": 10000, "databases": 0, "backups": 0})
	const tries = 12
	statuses := make([]int, tries)
	var wg sync.WaitGroup
	for i := range tries {
		wg.Go(func() {
			sid := fmt.Sprintf("RACE%04d", i)
			statuses[i] = n.env.DoJSON(t, http.MethodPut, "/api/servers/"+sid, token, map[string]any{"name": sid,
				"ownerId": id, "template": "minecraft-java", "limits": limits(300, 100, 10)}).Status
		})
	}
	wg.Wait()
	created, refused := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusForbidden:
			refused++
		default:
			t.Errorf("status %d", s)
		}
	}
	rows, err := n.env.Store.Client.Server.Query().All(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var memory int64
	for _, s := range rows {
		memory += s.Memory
	}
	if created != 3 || refused != tries-3 || len(rows) != 3 || memory != 900 {
		t.Errorf("created %d, refused %d, rows %d with %d MiB; want 3 servers of 300 MiB within 1000", created, refused, len(rows), memory)
	}
}
