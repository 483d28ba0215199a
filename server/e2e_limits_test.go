package server_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/ent"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/fake"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/node/nodetest"
)

// putLimits sends PUT /api/servers/{id}/limits.
func putLimits(t *testing.T, env *apitest.Env, token, id string, body any) *apitest.Response {
	t.Helper()
	return env.DoJSON(t, http.MethodPut, "/api/servers/"+id+"/limits", token, body)
}

// limitsResult decodes a 200 answer.
func limitsResult(t *testing.T, r *apitest.Response) api.ServerLimitsResult {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("limits: %d %s", r.Status, r.Body)
	}
	var out api.ServerLimitsResult
	r.JSON(t, &out)
	return out
}

// rowLimits renders a row's limits for comparisons.
func rowLimits(s *ent.Server) string {
	return fmt.Sprintf("memory=%d swap=%d disk=%d io=%d cpu=%d pids=%d databases=%d backups=%d",
		s.Memory, s.Swap, s.Disk, s.Io, s.CPU, s.Pids, s.FeatureDatabases, s.FeatureBackups)
}

// TestServerLimitsStoppedAndRunning: only the fields present change; a stopped server's new
// limits apply at its next start (next-start), a running one's cgroup at once (live).
func TestServerLimitsStoppedAndRunning(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	_, owner := n.tenant(t, "owner", "server.view")
	r := n.env.DoJSON(t, http.MethodPut, "/api/servers/LIMITS01", n.admin, createBody(owner, nil))
	createdID(t, r, http.StatusCreated)

	out := limitsResult(t, putLimits(t, n.env, n.admin, "LIMITS01", map[string]any{"limits": map[string]any{"memory": 256}}))
	if out.Applied != "next-start" || out.Resources.Memory != 256 || out.Resources.Disk != 1024 || out.Resources.Cpu != 50 {
		t.Fatalf("stopped: %+v", out)
	}
	if got := rowLimits(n.row(t, "LIMITS01")); got != "memory=256 swap=0 disk=1024 io=500 cpu=50 pids=0 databases=0 backups=0" {
		t.Fatalf("row: %s", got)
	}
	if r := n.env.Do(t, http.MethodPost, "/api/servers/LIMITS01/start", n.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	spec, err := n.fake.Spec("LIMITS01")
	if err != nil || spec.Limits.MemoryMiB != 256 || spec.Limits.CPUPercent != 50 {
		t.Fatalf("started with %+v (%v), want memory 256", spec.Limits, err)
	}

	body := map[string]any{"limits": map[string]any{"memory": 768, "swap": -1, "cpu": 150, "io": 700, "pids": 256},
		"featureLimits": map[string]any{"backups": 2}}
	out = limitsResult(t, putLimits(t, n.env, n.admin, "LIMITS01", body))
	if out.Applied != "live" || out.Resources.Memory != 768 || out.Resources.Swap != -1 || out.Resources.Cpu != 150 ||
		out.Resources.Io != 700 || out.Resources.Pids == nil || *out.Resources.Pids != 256 ||
		out.FeatureLimits.Backups != 2 || out.FeatureLimits.Databases != 0 || out.Resources.Disk != 1024 {
		t.Fatalf("running: %+v", out)
	}
	spec, _ = n.fake.Spec("LIMITS01")
	want := rt.Limits{MemoryMiB: 768, SwapMiB: -1, CPUPercent: 150, IOWeight: 700, Pids: 256}
	if spec.Limits != want {
		t.Errorf("the running instance's limits = %+v, want %+v", spec.Limits, want)
	}
	var s api.Server
	n.env.Do(t, http.MethodGet, "/api/servers/LIMITS01", n.admin, nil, nil).JSON(t, &s)
	if resString(s.Resources) != resString(out.Resources) || s.FeatureLimits != out.FeatureLimits {
		t.Errorf("the server shows %+v %+v, the answer said %+v %+v", s.Resources, s.FeatureLimits, out.Resources, out.FeatureLimits)
	}
}

// TestServerLimitsRefused: invalid bodies (the spec's ranges), tenants, unknown servers and a
// node that refuses the new limits leave the database unchanged.
func TestServerLimitsRefused(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	token, owner := n.tenant(t, "owner", "server.view", "server.edit", "server.definition.edit", "server.start")
	r := n.env.DoJSON(t, http.MethodPut, "/api/servers/LIMITS02", n.admin, createBody(owner, nil))
	createdID(t, r, http.StatusCreated)
	before := rowLimits(n.row(t, "LIMITS02"))
	bad := map[string]any{
		"empty":          map[string]any{},
		"io below 10":    map[string]any{"limits": map[string]any{"io": 5}},
		"swap below -1":  map[string]any{"limits": map[string]any{"swap": -2}},
		"negative disk":  map[string]any{"limits": map[string]any{"disk": -1}},
		"unknown field":  map[string]any{"limits": map[string]any{"memory": 1, "ram": 2}},
		"backups > 100":  map[string]any{"featureLimits": map[string]any{"backups": 101}},
		"memory as text": map[string]any{"limits": map[string]any{"memory": "1G"}},
	}
	for name, body := range bad {
		t.Run(name, func(t *testing.T) {
			putLimits(t, n.env, n.admin, "LIMITS02", body).ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
		})
	}
	t.Run("tenant", func(t *testing.T) {
		putLimits(t, n.env, token, "LIMITS02", map[string]any{"limits": map[string]any{"memory": 4096}}).
			ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	})
	t.Run("unknown server", func(t *testing.T) {
		putLimits(t, n.env, n.admin, "NOSUCH01", map[string]any{"limits": map[string]any{"memory": 1}}).
			ExpectError(t, http.StatusNotFound, server.CodeServerNotFound)
	})
	t.Run("the node refuses", func(t *testing.T) {
		if r := n.env.Do(t, http.MethodPost, "/api/servers/LIMITS02/start", n.admin, nil, nil); r.Status != http.StatusNoContent {
			t.Fatalf("start: %d %s", r.Status, r.Body)
		}
		n.fake.FailNext("Update", fmt.Errorf("cgroup refused: %w", rt.ErrInvalidSpec))
		putLimits(t, n.env, n.admin, "LIMITS02", map[string]any{"limits": map[string]any{"memory": 4096},
			"featureLimits": map[string]any{"databases": 3}}).ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
		spec, _ := n.fake.Spec("LIMITS02")
		if spec.Limits.MemoryMiB != 128 {
			t.Errorf("the instance's memory = %d, want 128", spec.Limits.MemoryMiB)
		}
	})
	if got := rowLimits(n.row(t, "LIMITS02")); got != before {
		t.Errorf("row %s, want %s", got, before)
	}
}

// TestServerLimitsFeatureAtOnce: feature limits take effect at once: a backup refused at
// backups=0 is made after the change, and refused again after lowering it.
func TestServerLimitsFeatureAtOnce(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	_, owner := n.tenant(t, "owner", "server.view")
	r := n.env.DoJSON(t, http.MethodPut, "/api/servers/LIMITS03", n.admin, createBody(owner, nil))
	createdID(t, r, http.StatusCreated)
	backup := func() *apitest.Response {
		return n.env.Do(t, http.MethodPost, "/api/servers/LIMITS03/backup/create", n.admin, nil, nil)
	}
	backup().ExpectError(t, http.StatusConflict, "ErrBackupLimit")
	limitsResult(t, putLimits(t, n.env, n.admin, "LIMITS03", map[string]any{"featureLimits": map[string]any{"backups": 1}}))
	fe := &filesEnv{Env: n.env, admin: n.admin}
	fe.createBackup(t, "LIMITS03")                                 // waits until it is done
	backup().ExpectError(t, http.StatusConflict, "ErrBackupLimit") // one exists, the limit is 1
	limitsResult(t, putLimits(t, n.env, n.admin, "LIMITS03", map[string]any{"featureLimits": map[string]any{"backups": 0}}))
	backup().ExpectError(t, http.StatusConflict, "ErrBackupLimit")
	if l := fe.listBackups(t, "LIMITS03"); len(l) != 1 {
		t.Errorf("lowering the limit changed the backups: %+v", l)
	}
}

// resString renders resources (Pids is a pointer) for comparisons.
func resString(r api.ServerResources) string {
	pids := int64(-1)
	if r.Pids != nil {
		pids = *r.Pids
	}
	return fmt.Sprintf("memory=%d swap=%d disk=%d io=%d cpu=%d pids=%d", r.Memory, r.Swap, r.Disk, r.Io, r.Cpu, pids)
}

// nodeMemory is the memory limit of the node's own definition of id (-1 when absent).
func (p *remotePanel) nodeMemory(id string) int64 {
	for _, d := range p.svc.Manager().List() {
		if d.ID == id {
			return d.Limits.MemoryMiB
		}
	}
	return -1
}

// TestServerLimitsPending: with the server's node unavailable the change is saved and
// answered `pending`; the reconcile pushes it when the node answers again.
func TestServerLimitsPending(t *testing.T) {
	p := startRemotePanel(t)
	ctx := context.Background()
	p.nodes.Registry.Poll(ctx)
	p.create(t, "RMTLIM01")
	p.daemon.Blackhole.Store(true) // partitioned: accepts, never answers
	out := limitsResult(t, putLimits(t, p.Env, p.admin, "RMTLIM01", map[string]any{"limits": map[string]any{"memory": 256},
		"featureLimits": map[string]any{"databases": 1}}))
	if out.Applied != "pending" || out.Resources.Memory != 256 || out.FeatureLimits.Databases != 1 {
		t.Fatalf("pending: %+v", out)
	}
	row, err := p.Store.Client.Server.Get(ctx, "RMTLIM01")
	if err != nil || row.Memory != 256 || row.FeatureDatabases != 1 {
		t.Fatalf("row %+v (%v)", row, err)
	}
	if m := p.nodeMemory("RMTLIM01"); m != 128 {
		t.Fatalf("the unavailable node's definition has memory %d, want 128", m)
	}
	p.daemon.Blackhole.Store(false)
	p.nodes.Registry.Poll(ctx) // it answers: reconciled
	deadline := time.Now().Add(nodetest.Timeout)
	for p.nodeMemory("RMTLIM01") != 256 {
		if time.Now().After(deadline) { // only turns a hang into a failure
			t.Fatalf("the reconcile never pushed the limits: memory %d", p.nodeMemory("RMTLIM01"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServerLimitsSuspended: billing changes the package of a suspended service: the limits
// change (next-start: it stays stopped) and it is not started; a create retry by externalId
// still answers the suspended server to an administrator.
func TestServerLimitsSuspended(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	_, owner := n.tenant(t, "owner", "server.view")
	body := createBody(owner, map[string]any{"externalId": "whmcs-susp"})
	r := n.env.DoJSON(t, http.MethodPut, "/api/servers", n.admin, body)
	id := createdID(t, r, http.StatusCreated)
	if r := n.env.Do(t, http.MethodPost, "/api/servers/"+id+"/start", n.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	if r := n.env.Do(t, http.MethodPost, "/api/servers/"+id+"/suspend", n.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("suspend: %d %s", r.Status, r.Body)
	}
	status := func() (st api.ServerStatus) {
		n.env.Do(t, http.MethodGet, "/api/servers/"+id+"/status", n.admin, nil, nil).JSON(t, &st)
		return st
	}
	deadline := time.Now().Add(nodetest.Timeout)
	for st := status(); st.State != api.ServerStateStopped; st = status() { // the suspension stops it in the background
		if time.Now().After(deadline) { // only turns a hang into a failure
			t.Fatalf("the suspended server never stopped: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	out := limitsResult(t, putLimits(t, n.env, n.admin, id, map[string]any{"limits": map[string]any{"memory": 512}}))
	if out.Resources.Memory != 512 || out.Applied != api.ServerLimitsResultAppliedNextStart {
		t.Fatalf("answer %+v", out)
	}
	if st := status(); !st.Suspended || st.Running {
		t.Errorf("after the change: %+v, want suspended and not running", st)
	}
	if again := createdID(t, n.env.DoJSON(t, http.MethodPut, "/api/servers", n.admin, body), http.StatusOK); again != id {
		t.Errorf("retry answered %s, want %s", again, id)
	}
}

// TestServerLimitsNoNode: a server whose node the panel cannot reach at all (no client) gets
// its limits saved and `pending`, as with a node that does not answer.
func TestServerLimitsNoNode(t *testing.T) {
	env := apitest.Start(t) // no node finder: every node is unavailable
	admin := env.AdminToken(t)
	id := env.NewServerRow(t, env.AdminID, env.LocalNode.ID, "nodeless")
	out := limitsResult(t, putLimits(t, env, admin, id, map[string]any{"limits": map[string]any{"disk": 2048},
		"featureLimits": map[string]any{"backups": 4}}))
	if out.Applied != api.ServerLimitsResultAppliedPending || out.Resources.Disk != 2048 || out.FeatureLimits.Backups != 4 {
		t.Fatalf("answer %+v", out)
	}
	row, err := env.Store.Client.Server.Get(context.Background(), id)
	if err != nil || row.Disk != 2048 || row.FeatureBackups != 4 {
		t.Fatalf("row %+v (%v)", row, err)
	}
}
