package e2e

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/server/apitest"
)

// defaultVolumes is serve's volumes folder as root when --volumes is not given.
const defaultVolumes = "/var/lib/skypanel/volumes"

// readmeServer is the id the README's walk-through creates.
const readmeServer = "MYSRV001"

// TestReadmeWalkthrough runs the README's "Walk-through with curl" as written, against a serve
// started as the README says (no --volumes), as root, with --data inside a 0700 folder (a clone
// under /root). Every response curl gets goes through a proxy that validates it against
// openapi.yaml. The server runs as its own uid from the range, in a 0700 folder under
// /var/lib/skypanel/volumes; this is the one test that writes there.
func TestReadmeWalkthrough(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the walk-through's failure mode (a 0700 home) is a root install's")
	}
	for _, tool := range []string{"bash", "curl", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the walk-through needs %s: %v", tool, err)
		}
	}
	home := t.TempDir() // like /root: 0700, owned by root
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatal(err)
	}
	vols := "" // serve's default
	if _, err := os.Stat(filepath.Join(defaultVolumes, readmeServer)); err == nil {
		// A real install on this machine (someone ran this walk-through with `make run`) holds a
		// server MYSRV001 in serve's default folder: leave it alone and keep the volumes outside
		// the 0700 home in a folder of our own (what the default does, elsewhere).
		var err error
		if vols, err = os.MkdirTemp("/var/tmp", "skypanel-readme-volumes-"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.RemoveAll(vols) })
		t.Logf("%s exists (another install's server): using --volumes %s", filepath.Join(defaultVolumes, readmeServer), vols)
	}
	p := newPanel(t, filepath.Join(home, "skypanel", "data"), "/nonexistent.sock")
	p.volumes = vols
	p.boot(t)
	script := readmeBlock(t, "## Walk-through with curl")
	script = strings.ReplaceAll(script, "http://127.0.0.1:8080", validatingProxy(t, p.url))
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Env = append(os.Environ(), "CLIENT_ID="+p.clientID, "CLIENT_SECRET="+p.secret)
	out, err := cmd.CombinedOutput()
	t.Logf("walk-through output:\n%s", out)
	if err != nil {
		t.Fatalf("the walk-through failed: %v", err)
	}
	if !bytes.Contains(out, []byte(`"id":"`+readmeServer+`"`)) {
		t.Fatalf("the walk-through did not create %s", readmeServer)
	}
	s := &server{p: p, c: p.client(t), id: readmeServer, env: environments[0]}
	t.Cleanup(func() { _, _ = s.c.DeleteServerWithResponse(context.Background(), s.id, nil) })
	s.waitLine(t, "you said hello") // the README reads the console right after sending
	assertOwnUID(t, s)
	s.remove(t, s.pidOf(t))
}

// assertOwnUID checks that s's processes run as one uid of the panel's range (not root, not
// nobody) that owns its 0700 folder.
func assertOwnUID(t *testing.T, s *server) {
	t.Helper()
	pid := s.pidOf(t)
	ids, err := uids(pid)
	if err != nil || len(ids) == 0 {
		t.Fatalf("uid of %d: %v", pid, err)
	}
	uid := ids[0]
	if uid < 200000 || slices.ContainsFunc(ids, func(u int) bool { return u != uid }) {
		t.Fatalf("%s runs as uids %v, want one uid of its own", s.id, ids)
	}
	fi, err := os.Stat(s.p.volumeDir(s.id))
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != uid || fi.Mode().Perm() != 0o700 {
		t.Fatalf("%s: uid %d, %v; want uid %d, 0700", s.p.volumeDir(s.id), st.Uid, fi.Mode().Perm(), uid)
	}
}

// readmeBlock returns the first ```sh block after heading in README.md.
func readmeBlock(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no %q", heading)
	}
	_, rest, ok = strings.Cut(rest, "```sh\n")
	block, _, ok2 := strings.Cut(rest, "\n```")
	if !ok || !ok2 {
		t.Fatalf("README.md: no sh block after %q", heading)
	}
	return block
}

// validatingProxy returns the URL of a loopback proxy to target that validates every response
// against openapi.yaml.
func validatingProxy(t *testing.T, target string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(u); r.Out.Host = u.Host },
		Transport: apitest.NewTransport(t, nil),
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestStandardServersOff: a panel restarted with --standard-servers=off reports standard servers
// unavailable with the reason; creating one is a 400 naming environmentType; starting an
// existing one is a 409 saying why; deleting it still works.
func TestStandardServersOff(t *testing.T) {
	t.Parallel()
	p := startPanel(t, "/nonexistent.sock")
	e := environments[0]
	s := p.create(t, serverID("wasok", e), e, p.body(e, echoLoop))
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	p.args = append(p.args, "--standard-servers", "off")
	p.launch(t)
	c := p.client(t)
	ctx := context.Background()
	nodes, err := c.ListNodesWithResponse(ctx, nil)
	if err != nil || nodes.JSON200 == nil || len(nodes.JSON200.Nodes) != 1 {
		t.Fatalf("nodes: %v %s", err, body(nodes))
	}
	f, err := c.GetNodeFeaturesWithResponse(ctx, nodes.JSON200.Nodes[0].Id)
	if err != nil || f.JSON200 == nil {
		t.Fatalf("features: %v %s", err, body(f))
	}
	if f.JSON200.Standard || slices.Contains(f.JSON200.Environments, api.EnvironmentTypeStandard) ||
		!strings.Contains(deref(f.JSON200.StandardReason), "--standard-servers=off") {
		t.Fatalf("features = %s, want standard unavailable because of --standard-servers=off", f.Body)
	}
	id := serverID("off", e)
	resp, err := c.CreateServerWithResponse(ctx, id, p.body(e, echoLoop))
	if err != nil {
		t.Fatal(err)
	}
	if got := field(expectError(t, resp, http.StatusBadRequest, api.ErrorCodeErrFieldInvalid)); got != "environmentType" {
		t.Errorf("metadata.field = %q, want environmentType", got)
	}
	p.assertNoTrace(t, id)
	start, err := c.StartServerWithResponse(ctx, s.id)
	if err != nil {
		t.Fatal(err)
	}
	if msg := expectError(t, start, http.StatusConflict, api.ErrorCodeErrInvalidState).Msg; !strings.Contains(msg, "--standard-servers=off") {
		t.Errorf("start refused with %q, want the reason", msg)
	}
	s.remove(t, 0)
}

// TestStandardTenants: two standard servers (two tenants' servers, as the node sees them) run
// as two uids of the range with no_new_privs. From A's shell: B's process cannot be signalled,
// B's folder cannot be listed or read, B's /proc/<pid>/cwd cannot be read. A file uploaded
// through the file API belongs to A's uid.
func TestStandardTenants(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: standard servers run as their own uids only then")
	}
	t.Parallel()
	p := startPanel(t, "/nonexistent.sock")
	e := environments[0]
	// A runs every console line as a shell command and prints the outcome.
	shell := `while read l; do if sh -c "$l" >/dev/null 2>&1; then echo "allowed:$l"; else echo "denied:$l"; fi; done`
	a := p.create(t, serverID("tenA", e), e, p.body(e, shell))
	b := p.create(t, serverID("tenB", e), e, p.body(e, `echo ready; exec sleep 1000`))
	b.start(t)
	b.waitLine(t, "ready")
	a.start(t)
	a.waitLine(t, lineStarting)
	assertOwnUID(t, a)
	assertOwnUID(t, b)
	pidB, dirB := strconv.Itoa(b.pidOf(t)), p.volumeDir(b.id)
	if ua, _ := uids(a.pidOf(t)); slices.Equal(ua, mustUIDs(t, b.pidOf(t))) {
		t.Fatalf("A and B run as the same uids %v", ua)
	}
	for cmd, want := range map[string]string{
		"kill -0 " + pidB:                           "denied",
		"ls " + dirB:                                "denied",
		"readlink /proc/" + pidB + "/cwd":           "denied",
		"grep -q 'NoNewPrivs:.1' /proc/self/status": "allowed",
		"readlink /proc/self/cwd":                   "allowed",
	} {
		a.send(t, cmd)
		a.waitMatch(t, "outcome of "+cmd, func(l string) bool { return strings.HasSuffix(l, ":"+cmd) })
		if got := a.lines[a.waited-1]; got != want+":"+cmd {
			t.Errorf("A: %s", got)
		}
	}
	put, err := a.c.PutServerFileWithBodyWithResponse(context.Background(), a.id, "uploaded.txt", nil,
		"application/octet-stream", strings.NewReader("hi"))
	if err != nil || put.StatusCode() >= 300 {
		t.Fatalf("upload: %v %s", err, body(put))
	}
	fi, err := os.Stat(filepath.Join(p.volumeDir(a.id), "uploaded.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := int(fi.Sys().(*syscall.Stat_t).Uid), mustUIDs(t, a.pidOf(t))[0]; got != want {
		t.Errorf("uploaded file belongs to uid %d, want A's %d", got, want)
	}
	a.remove(t, a.pidOf(t))
	b.remove(t, b.pidOf(t))
}

func mustUIDs(t *testing.T, pid int) []int {
	t.Helper()
	ids, err := uids(pid)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}
