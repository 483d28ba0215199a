package multinode

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/e2e/multinode/netlab"
)

// TestRemoteServers: a server created through the panel on each node runs there (a standard
// server's process is in its node's network namespace), its console works through the panel
// (GET/POST console and the WebSocket proxy: backlog, live lines, commands), and it stops and
// is deleted through the panel.
func TestRemoteServers(t *testing.T) {
	cl := newCluster(t)
	a, b := cl.nodes[0], cl.nodes[1]
	sa, sb := cl.create(t, "ra", a), cl.create(t, "rb", b)
	sa.start(t)
	sb.start(t)
	for _, s := range []*server{sa, sb} {
		if st := s.status(t); st.State != api.ServerStateRunning {
			t.Errorf("%s: state %s, want running", s, st.State)
		}
		s.echo(t, "hello-"+s.node.Node.Letter)
		if envType() == api.EnvironmentTypeStandard {
			pid := standardPid(t, s)
			if got, want := netnsOf(t, pid), netnsOf(t, s.node.Pid()); got != want {
				t.Errorf("%s: process %d is in network namespace %s, its daemon in %s", s, pid, got, want)
			}
		}
	}

	ws := sa.dial(t)
	backlog := ws.expectLine(t, "echo:hello-a") // replayed on connect
	if backlog[0].Type != "console" || !containsLine(backlog, "ready") {
		t.Errorf("WebSocket of %s: backlog %v, want the console from its start", sa, backlog)
	}
	ws.expect(t, "status message", func(m wsMsg) bool { return m.Type == "status" })
	ws.send(t, "via-socket")
	ws.expectLine(t, "echo:via-socket")
	sa.waitLine(t, "echo:via-socket") // and in the console ring
	sa.echo(t, "via-post")
	ws.expectLine(t, "echo:via-post") // a POSTed command's echo reaches the socket

	resp, err := cl.c.StopServerWithResponse(context.Background(), sa.id)
	if err != nil || resp.StatusCode() != http.StatusNoContent {
		t.Fatalf("stop %s: %v %s", sa, err, body(resp))
	}
	ws.expect(t, "status stopped", func(m wsMsg) bool {
		return m.Type == "status" && strings.Contains(string(m.Data), `"stopped"`)
	})
	sa.remove(t)
	sb.remove(t)
}

func containsLine(ms []wsMsg, line string) bool {
	for _, m := range ms {
		if m.Type == "console" && m.text() == line {
			return true
		}
	}
	return false
}

// standardPid is the process of standard server s (its pid file in the daemon's data folder).
func standardPid(t *testing.T, s *server) int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(s.node.Dir, "*", "host", s.id, "pid"))
	more, _ := filepath.Glob(filepath.Join(s.node.Dir, "host", s.id, "pid"))
	files = append(files, more...)
	if len(files) != 1 {
		t.Fatalf("pid file of %s: found %v", s, files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.Fields(string(b))[0])
	if err != nil {
		t.Fatalf("pid file of %s: %q", s, b)
	}
	return pid
}

// netnsOf names the network namespace of process pid.
func netnsOf(t *testing.T, pid int) string {
	t.Helper()
	l, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/net")
	if err != nil {
		t.Fatalf("network namespace of %d: %v", pid, err)
	}
	return l
}

// TestNodeTokenAudience: a token the panel minted for node a is refused by node b (401
// ErrUnauthorized) and accepted by node a, once. The token is captured by pointing node a's
// private address at a listener of the test for one request, then back (netlab.CaptureTokens).
func TestNodeTokenAudience(t *testing.T) {
	cl := newCluster(t)
	a, b := cl.nodes[0], cl.nodes[1]
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	toks, err := cl.lab.CaptureTokens(ctx, cl.c, a, 1)
	if err != nil {
		t.Fatal(err)
	}
	cl.waitNode(t, a)
	tok := toks[0]

	health := func(d *netlab.Daemon) (int, []byte) {
		req, err := http.NewRequest(http.MethodGet, "http://"+d.Addr+"/v1/health", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, raw := daemonRequest(t, req)
		return resp.StatusCode, raw
	}
	if code, raw := health(b); code != http.StatusUnauthorized {
		t.Errorf("node b answered a token for node a with %d %s, want 401", code, raw)
	} else if c, _ := errorOf(t, raw); c != "ErrUnauthorized" {
		t.Errorf("node b: code %s, want ErrUnauthorized", c)
	}
	if code, raw := health(a); code != http.StatusOK {
		t.Errorf("node a answered its own token with %d %s, want 200", code, raw)
	}
	// and once used, the token is not accepted again (its jti was seen)
	if code, raw := health(a); code != http.StatusUnauthorized {
		t.Errorf("node a answered a replayed token with %d %s, want 401", code, raw)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+a.Addr+"/v1/health", nil)
	if resp, raw := daemonRequest(t, req); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("node a answered a request without a token with %d %s, want 401", resp.StatusCode, raw)
	}
}

// TestDaemonsCheckIn: both daemons, in their own network namespaces, check in with the panel
// with their deployment credentials, and refuse requests without a panel token (401
// ErrUnauthorized). Each runs in its node's namespace.
func TestDaemonsCheckIn(t *testing.T) {
	cl := startCluster(t)
	for _, d := range cl.nodes {
		t.Logf("daemon %s (pid %d) in %s", d.Node.Letter, d.Pid(), netnsOf(t, d.Pid()))
		if got, want := netnsOf(t, d.Pid()), netnsLink(t, d.Node); got != want {
			t.Errorf("daemon %s runs in network namespace %s, want %s", d.Node.Letter, got, want)
		}
		req, err := http.NewRequest(http.MethodGet, "http://"+d.Addr+"/v1/system", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, raw := daemonRequest(t, req)
		if code, _ := errorOf(t, raw); resp.StatusCode != http.StatusUnauthorized || code != "ErrUnauthorized" {
			t.Errorf("node %s without a token: %d %s, want 401 ErrUnauthorized", d.Node.Letter, resp.StatusCode, raw)
		}
	}
}

// netnsLink names the network namespace of node n as /proc/<pid>/ns/net does.
func netnsLink(t *testing.T, n *netlab.Node) string {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(n.NetnsPath(), &st); err != nil {
		t.Fatal(err)
	}
	return "net:[" + strconv.FormatUint(st.Ino, 10) + "]"
}
