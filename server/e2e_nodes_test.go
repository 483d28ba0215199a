package server_test

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/oauth"
	"github.com/skypanel/skypanel/server/store"
)

func TestNodesCRUD(t *testing.T) {
	env := apitest.Start(t)
	ctx := context.Background()
	admin := env.AdminToken(t)
	c := env.Client(t, admin)

	t.Run("local node exists after bootstrap", func(t *testing.T) {
		list, err := c.ListNodesWithResponse(ctx, nil)
		if err != nil || list.JSON200 == nil {
			t.Fatalf("%v %s", err, list.Body)
		}
		nodes := list.JSON200.Nodes
		if list.JSON200.Metadata.Paging.Total != 1 || len(nodes) != 1 || nodes[0].Id != int64(env.LocalNode.ID) ||
			nodes[0].Name != server.LocalNodeName {
			t.Errorf("nodes = %+v", list.JSON200)
		}
	})

	created, err := c.CreateNodeWithResponse(ctx, api.NodeCreate{Name: "remote-1", PublicHost: "node1.example.com", SftpPort: ptr(2022)})
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create: %v %d %s", err, created.StatusCode(), created.Body)
	}
	n := created.JSON201
	if n.Secret == "" || n.PrivateHost != "node1.example.com" || n.SftpPort != 2022 || n.PublicPort != 8080 {
		t.Errorf("created = %+v", n)
	}
	path := "/api/nodes/" + strconv.FormatInt(n.Id, 10)

	if cc := created.HTTPResponse.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("create node: Cache-Control %q, want no-store", cc)
	}
	t.Run("secret is shown once and stored hashed", func(t *testing.T) {
		row, err := env.Store.Client.Node.Get(ctx, int(n.Id))
		if err != nil {
			t.Fatal(err)
		}
		if row.SecretHash == "" || strings.Contains(row.SecretHash, n.Secret) || !store.VerifySecret(env.Store.Keys.SecretHash, row.SecretHash, n.Secret) {
			t.Errorf("secret_hash %q does not hold a hash of the secret", row.SecretHash)
		}
		for _, p := range []string{path, "/api/nodes"} {
			if r := env.Do(t, http.MethodGet, p, admin, nil, nil); strings.Contains(string(r.Body), n.Secret) || strings.Contains(string(r.Body), "secret") {
				t.Errorf("GET %s shows the secret: %s", p, r.Body)
			}
		}
	})
	t.Run("duplicate name", func(t *testing.T) {
		r := env.DoJSON(t, http.MethodPost, "/api/nodes", admin, map[string]any{"name": "remote-1", "publicHost": "x.example.com"})
		r.ExpectError(t, http.StatusConflict, server.CodeConflict)
	})
	t.Run("update, get", func(t *testing.T) {
		upd, err := c.UpdateNodeWithResponse(ctx, n.Id, api.NodeUpdate{Name: ptr("remote-renamed"), PublicPort: ptr(9443)})
		if err != nil || upd.StatusCode() != http.StatusNoContent {
			t.Fatalf("update: %v %s", err, upd.Body)
		}
		got, err := c.GetNodeWithResponse(ctx, n.Id)
		if err != nil || got.JSON200 == nil {
			t.Fatalf("get: %v %s", err, got.Body)
		}
		if g := got.JSON200; g.Name != "remote-renamed" || g.PublicPort != 9443 || g.PublicHost != "node1.example.com" {
			t.Errorf("after update: %+v", g)
		}
	})
	t.Run("omitted fields are unchanged", func(t *testing.T) {
		// NodeUpdate: "omitted fields are unchanged" — sftpPort was 2022 and is not sent.
		got, err := c.GetNodeWithResponse(ctx, n.Id)
		if err != nil || got.JSON200 == nil {
			t.Fatalf("get: %v %s", err, got.Body)
		}
		if got.JSON200.SftpPort != 2022 || got.JSON200.PrivatePort != 8080 {
			t.Errorf("after a PUT without sftpPort: sftpPort = %d (want 2022), privatePort = %d", got.JSON200.SftpPort, got.JSON200.PrivatePort)
		}
	})
	t.Run("remote node features unavailable", func(t *testing.T) {
		env.Do(t, http.MethodGet, path+"/features", admin, nil, nil).ExpectError(t, http.StatusServiceUnavailable, server.CodeNodeUnavailable)
	})
	t.Run("not found", func(t *testing.T) {
		for _, p := range []string{"/api/nodes/424242", "/api/nodes/424242/system", "/api/nodes/424242/features", "/api/nodes/424242/deployment"} {
			d := env.Do(t, http.MethodGet, p, admin, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeNodeNotFound)
			if d.Metadata == nil || (*d.Metadata)["id"] != float64(424242) {
				t.Errorf("%s: metadata = %v", p, d.Metadata)
			}
		}
		env.Do(t, http.MethodDelete, "/api/nodes/424242", admin, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeNodeNotFound)
		env.DoJSON(t, http.MethodPut, "/api/nodes/424242", admin, map[string]any{"name": "x"}).ExpectError(t, http.StatusNotFound, server.CodeNodeNotFound)
	})
	t.Run("the local node cannot be deleted", func(t *testing.T) {
		e := env.Do(t, http.MethodDelete, "/api/nodes/"+strconv.Itoa(env.LocalNode.ID), admin, nil, nil).
			ExpectError(t, http.StatusConflict, server.CodeConflict)
		if e.Metadata == nil || (*e.Metadata)["local"] != true {
			t.Errorf("metadata = %v, want local=true", e.Metadata)
		}
		if _, err := env.Store.Client.Node.Get(ctx, env.LocalNode.ID); err != nil {
			t.Fatalf("the local node is gone: %v", err)
		}
	})
	t.Run("a node hosting a server cannot be deleted", func(t *testing.T) {
		env.NewServerRow(t, env.AdminID, int(n.Id), "pinned")
		e := env.Do(t, http.MethodDelete, path, admin, nil, nil).ExpectError(t, http.StatusConflict, server.CodeConflict)
		if e.Metadata == nil || (*e.Metadata)["servers"] != float64(1) {
			t.Errorf("metadata = %v, want servers=1", e.Metadata)
		}
		if _, err := env.Store.Client.Server.Delete().Exec(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("delete", func(t *testing.T) {
		if r := env.Do(t, http.MethodDelete, path, admin, nil, nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		env.Do(t, http.MethodGet, path, admin, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeNodeNotFound)
	})
}

func TestLocalNodeSystemAndFeatures(t *testing.T) {
	env := apitest.Start(t)
	ctx := context.Background()
	c := env.Client(t, env.AdminToken(t))

	sys, err := c.GetNodeSystemWithResponse(ctx, int64(env.LocalNode.ID))
	if err != nil || sys.JSON200 == nil {
		t.Fatalf("system: %v %d %s", err, sys.StatusCode(), sys.Body)
	}
	s := sys.JSON200
	if s.Cpu.Threads != runtime.NumCPU() {
		t.Errorf("cpu.threads = %d, runtime.NumCPU() = %d", s.Cpu.Threads, runtime.NumCPU())
	}
	if want := memTotal(t); s.Memory.Total != want {
		t.Errorf("memory.total = %d, /proc/meminfo MemTotal = %d bytes", s.Memory.Total, want)
	}
	if s.Memory.Used+s.Memory.Free != s.Memory.Total || s.Disk.Total <= 0 || s.Disk.Free > s.Disk.Total {
		t.Errorf("memory %+v disk %+v", s.Memory, s.Disk)
	}
	if s.Cpu.Model == "" || s.Cpu.Cores < 1 || s.Os.Platform != runtime.GOOS || s.Os.Family == "" {
		t.Errorf("cpu %+v os %+v", s.Cpu, s.Os)
	}

	f, err := c.GetNodeFeaturesWithResponse(ctx, int64(env.LocalNode.ID))
	if err != nil || f.JSON200 == nil {
		t.Fatalf("features: %v %s", err, f.Body)
	}
	// The harness gives the local node no runtime at all: neither environment, each with a reason.
	if f.JSON200.Docker || f.JSON200.Standard || len(f.JSON200.Environments) != 0 ||
		f.JSON200.DockerReason == nil || *f.JSON200.DockerReason == "" ||
		f.JSON200.StandardReason == nil || *f.JSON200.StandardReason == "" {
		t.Errorf("features = %s", f.Body)
	}
}

// memTotal reads MemTotal from /proc/meminfo, in bytes.
func memTotal(t *testing.T) int64 {
	t.Helper()
	fh, err := os.Open("/proc/meminfo")
	if err != nil {
		t.Skipf("no /proc/meminfo: %v", err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb * 1024
		}
	}
	t.Fatal("no MemTotal in /proc/meminfo")
	return 0
}

func TestNodeDeployment(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	path := "/api/nodes/" + strconv.Itoa(env.LocalNode.ID) + "/deployment"
	deploy := func(t *testing.T, method, p string) api.NodeDeployment {
		t.Helper()
		r := env.Do(t, method, p, admin, nil, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("%s %s: %d %s", method, p, r.Status, r.Body)
		}
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s %s: Cache-Control %q, want no-store", method, p, cc)
		}
		var d api.NodeDeployment
		r.JSON(t, &d)
		if d.ClientId != oauth.NodeClientID(env.LocalNode.ID) || d.ClientId != ".node_"+strconv.Itoa(env.LocalNode.ID) || d.ClientSecret == "" || d.Command == nil {
			t.Fatalf("deployment = %+v", d)
		}
		return d
	}
	first := deploy(t, http.MethodGet, path)
	same := func(a, b api.NodeDeployment) bool {
		return a.ClientId == b.ClientId && a.ClientSecret == b.ClientSecret && *a.Command == *b.Command
	}
	if again := deploy(t, http.MethodGet, path); !same(again, first) {
		t.Fatalf("a second GET changed the credentials: %+v then %+v", first, again)
	}
	row, err := env.Store.Client.Node.Get(context.Background(), env.LocalNode.ID)
	if err != nil || len(row.DeploymentSecretEnc) == 0 || strings.Contains(string(row.DeploymentSecretEnc), first.ClientSecret) {
		t.Fatalf("the secret is not stored sealed: %v %q", err, row.DeploymentSecretEnc)
	}
	nodeTok := env.Token(t, first.ClientId, first.ClientSecret)
	self := env.Do(t, http.MethodGet, "/api/self", nodeTok, nil, nil)
	var me api.Self
	self.JSON(t, &me)
	if self.Status != http.StatusOK || me.ClientId != first.ClientId || me.User != nil {
		t.Errorf("node self: %d %+v", self.Status, me)
	}
	t.Run("node client introspects", func(t *testing.T) {
		r := postForm(t, env, "/oauth2/introspect", url.Values{"token": {admin}}, first.ClientId, first.ClientSecret)
		var out map[string]any
		r.JSON(t, &out)
		if r.Status != http.StatusOK || out["active"] != true || out["client_id"] != env.AdminClientID {
			t.Errorf("introspect: %d %v", r.Status, out)
		}
	})
	t.Run("a node client cannot act as a user", func(t *testing.T) {
		r := env.DoJSON(t, http.MethodPost, "/api/self/oauth2", nodeTok, map[string]any{"name": "x", "scopes": []string{"server.view"}})
		if r.Status == http.StatusCreated {
			t.Fatalf("a node client created a user client: %s", r.Body)
		}
		env.Do(t, http.MethodGet, "/api/nodes", nodeTok, nil, nil).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	})

	env.Do(t, http.MethodGet, "/api/self", nodeTok, nil, nil) // a GET keeps the token working
	if r := env.Do(t, http.MethodGet, "/api/self", nodeTok, nil, nil); r.Status != http.StatusOK {
		t.Fatalf("the node token stopped working without a rotation: %d %s", r.Status, r.Body)
	}
	second := deploy(t, http.MethodPost, path+"/rotate")
	if second.ClientSecret == first.ClientSecret {
		t.Fatal("the secret was not rotated")
	}
	if after := deploy(t, http.MethodGet, path); !same(after, second) {
		t.Fatalf("GET after rotate = %+v, want the rotated %+v", after, second)
	}
	env.Do(t, http.MethodPost, "/api/nodes/424242/deployment/rotate", admin, nil, nil).
		ExpectError(t, http.StatusNotFound, server.CodeNodeNotFound)
	form := url.Values{"grant_type": {"client_credentials"}}
	oauthError(t, postForm(t, env, "/oauth2/token", form, first.ClientId, first.ClientSecret), http.StatusUnauthorized, "invalid_client")
	env.Do(t, http.MethodGet, "/api/self", nodeTok, nil, nil).ExpectError(t, http.StatusUnauthorized, server.CodeUnauthorized)
	env.Token(t, second.ClientId, second.ClientSecret)
}
