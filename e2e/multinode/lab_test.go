package multinode

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/e2e/multinode/netlab"
)

// newLab builds a lab of n nodes for t, closed (and checked) when t ends.
func newLab(t *testing.T, n int) *netlab.Lab {
	t.Helper()
	requireLab(t)
	lab, err := netlab.New(n, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := lab.Close(); err != nil {
			t.Error(err)
		}
	})
	return lab
}

// getEnv makes the test binary a one-shot HTTP client (see httpFrom).
const getEnv = "MULTINODE_HTTP_GET"

// httpFrom runs this test binary inside node's namespace as an HTTP client of url (2 s
// timeout) and returns what it printed: "status NNN", or the error.
func httpFrom(node *netlab.Node, url string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	cmd := exec.Command("nsenter", "--net="+node.NetnsPath(), "--", self)
	cmd.Env = append(os.Environ(), getEnv+"="+url)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// httpGet is the child of httpFrom.
func httpGet(url string) int {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	resp.Body.Close()
	fmt.Println("status", resp.StatusCode)
	return 0
}

// serveEnv makes the test binary an HTTP server answering 204 (see serveIn).
const serveEnv = "MULTINODE_HTTP_SERVE"

// serveIn runs this test binary inside node's namespace as an HTTP server on addr.
func serveIn(t *testing.T, lab *netlab.Lab, node *netlab.Node, addr string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p, err := netlab.Start("server in "+node.Netns, node, []string{"env", serveEnv + "=" + addr, self})
	if err != nil {
		t.Fatal(err)
	}
	lab.Defer("stop the test server", func() error { p.Kill9(); return nil })
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := p.WaitListening(ctx, addr); err != nil {
		t.Fatal(err)
	}
}

// httpServe is the child of serveIn.
func httpServe(addr string) int {
	err := http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	fmt.Println(err)
	return 1
}

// TestLabNetwork: a node registers on the panel (deployment credentials), each node's
// namespace reaches the panel over its veth (an HTTP answer of the real panel), a partitioned node does not while the other still does, healing restores
// it, and Close leaves no namespace, veth or folder behind.
func TestLabNetwork(t *testing.T) {
	requireLab(t)
	lab, err := netlab.New(2, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			_ = lab.Close()
		}
	})
	p, err := lab.StartPanel(context.Background(), netlab.PanelOptions{Bin: suite.bin,
		Dir: filepath.Join(lab.Dir, "panel"), Containerd: filepath.Join(lab.Dir, "no-containerd.sock"),
		Namespace: "skp12-" + lab.ID})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tok, err := p.Token(ctx, httpClient(t), p.ClientID, p.Secret)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := p.Client(httpClient(t), tok)
	if err != nil {
		t.Fatal(err)
	}
	id, dep, err := netlab.RegisterNode(ctx, admin, lab.Nodes[0])
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(".node_%d", id); dep.ClientId != want || dep.ClientSecret == "" {
		t.Errorf("deployment of node %d: client id %q (secret set %v), want %s", id, dep.ClientId, dep.ClientSecret != "", want)
	}
	t.Logf("node %d registered at %s; deployment command: %s", id, lab.Nodes[0].Addr, deref(dep.Command))
	url := p.URL + "/api/self" // 401 without a token: an answer of the panel
	reaches := func(n *netlab.Node) bool {
		out, err := httpFrom(n, url)
		t.Logf("GET from node %s: %v %s", n.Letter, err, strings.TrimSpace(out))
		return strings.Contains(out, "status 401")
	}
	a, b := lab.Nodes[0], lab.Nodes[1]
	for _, n := range lab.Nodes {
		if !reaches(n) {
			t.Fatalf("node %s does not reach the panel at %s", n.Letter, p.URL)
		}
	}
	nodeURL := "http://" + net.JoinHostPort(a.Addr.String(), "8080")
	serveIn(t, lab, a, net.JoinHostPort(a.Addr.String(), "8080"))
	quick := &http.Client{Timeout: time.Second}
	if resp, err := quick.Get(nodeURL); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("root namespace → node a: %v %v", resp, err)
	}

	if err := lab.Partition(a); err != nil {
		t.Fatal(err)
	}
	// the panel's side of a partition: no answer at all (a timeout), not a refusal
	if _, err := quick.Get(nodeURL); err == nil || !os.IsTimeout(err) {
		t.Errorf("root namespace → partitioned node a: %v, want a timeout", err)
	}
	if reaches(a) {
		t.Error("node a reaches the panel while partitioned")
	}
	if !reaches(b) {
		t.Error("node b does not reach the panel while node a is partitioned")
	}
	if err := lab.Heal(a); err != nil {
		t.Fatal(err)
	}
	if !reaches(a) {
		t.Error("node a does not reach the panel after healing")
	}
	if resp, err := quick.Get(nodeURL); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Errorf("root namespace → node a after healing: %v %v", resp, err)
	}

	closed = true
	if err := lab.Close(); err != nil {
		t.Error(err)
	}
	for _, n := range lab.Nodes {
		if _, err := os.Stat(n.NetnsPath()); err == nil {
			t.Errorf("namespace %s left after Close", n.Netns)
		}
		for _, v := range []string{n.HostVeth} {
			if _, err := os.Stat("/sys/class/net/" + v); err == nil {
				t.Errorf("veth %s left after Close", v)
			}
		}
	}
	if _, err := os.Stat(lab.Dir); err == nil {
		t.Errorf("folder %s left after Close", lab.Dir)
	}
	if !p.Exited() {
		t.Error("the panel still runs after Close")
	}
}

func deref(s *string) string {
	if s == nil {
		return "(none)"
	}
	return *s
}

// TestSweep: the namespace of a lab whose process is gone is swept with what still runs in
// it; one of a live process is kept.
func TestSweep(t *testing.T) {
	requireLab(t)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := fmt.Sprintf("skp12-%d-%s-a", dead.Process.Pid, randomID(4))
	live := fmt.Sprintf("skp12-%d-%s-a", os.Getpid(), randomID(4))
	for _, ns := range []string{stale, live} {
		if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
			t.Fatalf("ip netns add %s: %v %s", ns, err, out)
		}
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	}
	sleeper := exec.Command("nsenter", "--net=/run/netns/"+stale, "--", "sleep", "600")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = sleeper.Wait() }()
	swept, err := netlab.Sweep()
	if err != nil {
		t.Error(err)
	}
	if !slices.Contains(swept, stale) || slices.Contains(swept, live) {
		t.Errorf("swept %v, want %s and not %s", swept, stale, live)
	}
	if _, err := os.Stat("/run/netns/" + stale); err == nil {
		t.Errorf("%s still there", stale)
	}
	if _, err := os.Stat("/run/netns/" + live); err != nil {
		t.Errorf("%s (of a live process) was removed", live)
	}
	if netlab.Alive(sleeper.Process.Pid) {
		t.Errorf("process %d in the stale namespace still runs", sleeper.Process.Pid)
	}
}
