package containerd

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/runtimetest"
)

// shell is a container running `sh` commands sent on its stdin; each answer is one line.
type shell struct {
	id    string
	con   runtime.Console
	lines chan string
}

// cmdShell prints the container's IP, runs setup and evaluates stdin lines.
func cmdShell(setup string) string {
	s := `echo "ip:$(ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1)"; `
	if setup != "" {
		s += setup + "; "
	}
	return s + `while read -r line; do eval "$line"; done`
}

// startShell creates and starts a container running cmdShell(setup) with ports published.
func startShell(t *testing.T, r *Runtime, image, setup string, ports ...int) *shell {
	t.Helper()
	ctx := context.Background()
	spec := runtime.Spec{ID: runtimetest.NewID(), Image: image, Dir: t.TempDir(), Ports: ports,
		User: &runtime.User{}, Command: cmdShell(setup)}
	if err := r.Create(ctx, spec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Delete(context.Background(), spec.ID) })
	con, err := r.Start(ctx, spec.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { con.Close() })
	return newShell(spec.ID, con)
}

func newShell(id string, con runtime.Console) *shell {
	sh := &shell{id: id, con: con, lines: make(chan string, 64)}
	go func() {
		defer close(sh.lines)
		sc := bufio.NewScanner(con.Output())
		for sc.Scan() {
			sh.lines <- sc.Text()
		}
	}()
	return sh
}

// line returns the value of the next output line starting with prefix.
func (s *shell) line(t *testing.T, prefix string) string {
	t.Helper()
	timer := time.NewTimer(runtimetest.Timeout)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				t.Fatalf("%s: output ended before %q", s.id, prefix)
			}
			if v, ok := strings.CutPrefix(l, prefix); ok {
				return v
			}
			t.Logf("%s: %s", s.id, l)
		case <-timer.C:
			t.Fatalf("%s: no %q within %s", s.id, prefix, runtimetest.Timeout)
		}
	}
}

// run sends a shell command that prints one line "<tag>:<value>" and returns the value.
func (s *shell) run(t *testing.T, tag, cmd string) string {
	t.Helper()
	if _, err := io.WriteString(s.con.Stdin(), fmt.Sprintf("echo \"%s:$(%s)\"\n", tag, cmd)); err != nil {
		t.Fatal(err)
	}
	return s.line(t, tag+":")
}

// dial is a TCP probe from inside the container: the first line the peer sends ("" when the
// connection is refused, dropped or silent for 2 s).
func dial(addr netip.AddrPort) string {
	return fmt.Sprintf("nc -w 2 %s %d </dev/null 2>/dev/null | head -n 1", addr.Addr(), addr.Port())
}

// hostListener stands in for a node service (panel, MariaDB): it answers "host" and closes.
func hostListener(t *testing.T, addr string) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, "host\n")
			c.Close()
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String())
}

// freePort returns a TCP port that is free on the node now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// nodeAddr is a non-loopback IPv4 address of the node (other than the bridge's), if any.
func nodeAddr(t *testing.T) (netip.Addr, bool) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	bridge := netip.MustParsePrefix(testNetwork.Subnet)
	for _, a := range addrs {
		p, err := netip.ParsePrefix(a.String())
		if err == nil && p.Addr().Is4() && !p.Addr().IsLoopback() && !bridge.Contains(p.Addr()) {
			return p.Addr(), true
		}
	}
	return netip.Addr{}, false
}

// gameServer is a container command serving body over HTTP on port (busybox httpd goes to
// the background once it listens), then printing "ready".
func gameServer(port int, body string) string {
	return fmt.Sprintf("mkdir -p /tmp/www && echo %s > /tmp/www/index.html && httpd -p %d -h /tmp/www && echo ready", body, port)
}

// fetch is an HTTP probe from inside the container: the body ("" when unreachable within 2 s).
func fetch(addr netip.AddrPort) string {
	return fmt.Sprintf(`printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 %s %d 2>/dev/null | tail -n 1`, addr.Addr(), addr.Port())
}

// httpGet fetches http://addr/ from the node and returns the body.
func httpGet(t *testing.T, addr string) string {
	t.Helper()
	c := http.Client{Timeout: runtimetest.Timeout}
	resp, err := c.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("GET %s from the node: %v", addr, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", addr, err)
	}
	return strings.TrimSpace(string(b))
}

// TestNetworkIsolation: a server's published port answers on the node's 127.0.0.1 (and on
// its other addresses); from inside, the node's services (on 127.0.0.1, 0.0.0.0, the bridge
// gateway, the node's address) and the other server are unreachable, while the other
// server's published port is (like from anywhere else).
func TestNetworkIsolation(t *testing.T) {
	opts, image := testOptions(t)
	r := newTestRuntime(t, opts)
	loop := hostListener(t, "127.0.0.1:0")
	any := hostListener(t, "0.0.0.0:0")

	portB := freePort(t)
	b := startShell(t, r, image, gameServer(portB, "game-b"), portB)
	ipB := netip.MustParseAddr(b.line(t, "ip:"))
	b.line(t, "ready")
	a := startShell(t, r, image, "")
	ipA := netip.MustParseAddr(a.line(t, "ip:"))
	gateway := netip.MustParsePrefix(testNetwork.Subnet).Addr().Next()
	t.Logf("A %s, B %s, gateway %s", ipA, ipB, gateway)

	// The game port from the node, on loopback as tests (and local proxies) use it.
	if got := httpGet(t, fmt.Sprintf("127.0.0.1:%d", portB)); got != "game-b" {
		t.Fatalf("B's published port from the node = %q, want game-b", got)
	}
	// Inside B, its own service answers on its own loopback (the probe works).
	if got := b.run(t, "self", fetch(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(portB)))); got != "game-b" {
		t.Fatalf("B to its own port = %q, want game-b", got)
	}
	probes := map[string]netip.AddrPort{
		"host-loopback":        loop,
		"host-any-on-loopback": netip.AddrPortFrom(loop.Addr(), any.Port()),
		"host-gateway":         netip.AddrPortFrom(gateway, any.Port()),
	}
	if addr, ok := nodeAddr(t); ok {
		probes["host-address"] = netip.AddrPortFrom(addr, any.Port())
		// B's published port on the node's address is public: reachable from A too.
		if got := a.run(t, "published", fetch(netip.AddrPortFrom(addr, uint16(portB)))); got != "game-b" {
			t.Errorf("B's published port on %s from A = %q, want game-b", addr, got)
		}
	}
	for name, addr := range probes {
		if got := a.run(t, name, dial(addr)); got != "" {
			t.Errorf("from inside A, %s (%s) answered %q; want unreachable", name, addr, got)
		}
	}
	if got := a.run(t, "other-server", fetch(netip.AddrPortFrom(ipB, uint16(portB)))); got != "" {
		t.Errorf("from inside A, B's address %s answered %q; want unreachable", ipB, got)
	}
}

// TestNetworkLifecycle: the namespace and its rules survive a daemon restart (a new runtime
// attaches and the port still answers), are built again when the namespace is gone (host
// reboot), and are gone after Delete (no namespace, no IP, no iptables rule).
func TestNetworkLifecycle(t *testing.T) {
	opts, image := testOptions(t)
	r := newTestRuntime(t, opts)
	ctx := context.Background()
	port := freePort(t)
	id := runtimetest.NewID()
	spec := runtime.Spec{ID: id, Image: image, Dir: t.TempDir(), Ports: []int{port},
		Command: gameServer(port, "game") + "; " + runtimetest.CmdEcho}
	if err := r.Create(ctx, spec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Delete(ctx, id) })
	nsPath := filepath.Join(r.stateDir(id), "netns")
	reboot(t, nsPath, ContainerID(id))
	con, err := r.Start(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	runtimetest.ReadLines(con.Output()).Expect(t, "ready")
	con.Close()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if got := httpGet(t, addr); got != "game" {
		t.Fatalf("after rebuilding the namespace: %q, want game", got)
	}
	// Daemon restart: a new runtime attaches; the port still answers.
	r2 := newTestRuntime(t, opts)
	con, err = r2.Attach(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	con.Close()
	if got := httpGet(t, addr); got != "game" {
		t.Fatalf("after re-attach: %q, want game", got)
	}
	if err := r2.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	cid := ContainerID(id)
	if left := networkLeftovers(t, cid); len(left) > 0 {
		t.Fatalf("network state left after Delete: %v", left)
	}
	if _, err := os.Stat(nsPath); !os.IsNotExist(err) {
		t.Fatalf("namespace file after Delete: %v", err)
	}
}

// networkLeftovers lists the iptables rules and IP allocations that still name cid.
func networkLeftovers(t *testing.T, cid string) []string {
	t.Helper()
	var left []string
	out, err := exec.Command("iptables-save").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, cid) {
			left = append(left, "rule "+l)
		}
	}
	ipam := filepath.Join("/run/skypanel/cni/ipam", "skypanel-"+testNetwork.Bridge)
	entries, _ := os.ReadDir(ipam)
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join(ipam, e.Name())); err == nil && strings.Contains(string(b), cid) {
			left = append(left, "ip "+e.Name())
		}
	}
	return left
}

// reboot does to one server's network what a host reboot does: the namespace file stays (it
// is in the node's data folder) but is no longer a namespace, and the nat rules naming the
// server are gone.
func reboot(t *testing.T, nsPath, cid string) {
	t.Helper()
	if out, err := exec.Command("umount", nsPath).CombinedOutput(); err != nil {
		t.Fatalf("umount: %v: %s", err, out)
	}
	rules, err := exec.Command("iptables-save", "-t", "nat").Output()
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.Split(string(rules), "\n") {
		if !strings.Contains(l, cid) {
			kept = append(kept, l)
		}
	}
	restore := exec.Command("iptables-restore", "-T", "nat")
	restore.Stdin = strings.NewReader(strings.Join(kept, "\n"))
	if out, err := restore.CombinedOutput(); err != nil {
		t.Fatalf("iptables-restore: %v: %s", err, out)
	}
}
