package containerd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/runtimetest"
)

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
	reboot(t, nsPath)
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
// is in the node's data folder) but is no longer a namespace. The nat rules naming the server
// stay too, as on a host that restores its saved ruleset at boot (the harder case).
func reboot(t *testing.T, nsPath string) {
	t.Helper()
	if out, err := exec.Command("umount", nsPath).CombinedOutput(); err != nil {
		t.Fatalf("umount: %v: %s", err, out)
	}
}

// TestHostNetworkContainerRefused: a container left on the host network (made by an older
// version) is never started; Start says to create it again.
func TestHostNetworkContainerRefused(t *testing.T) {
	opts, image := testOptions(t)
	r := newTestRuntime(t, opts)
	ctx := r.ns(context.Background())
	spec := runtime.Spec{ID: runtimetest.NewID(), Image: image, Dir: t.TempDir(), Command: runtimetest.CmdEcho}
	if err := r.Create(ctx, spec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Delete(context.Background(), spec.ID) })
	c, err := r.client.LoadContainer(ctx, ContainerID(spec.ID))
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Spec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := oci.WithHostNamespace(specs.NetworkNamespace)(ctx, nil, nil, s); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(ctx, client.UpdateContainerOpts(client.WithSpec(s))); err != nil {
		t.Fatal(err)
	}
	if con, err := r.Start(ctx, spec.ID); !errors.Is(err, runtime.ErrInvalidSpec) {
		if con != nil {
			con.Close()
		}
		t.Fatalf("Start of a host-network container = %v, want ErrInvalidSpec", err)
	}
}

// TestPublishOnIP: a server published on one IP (Spec.IP) answers there only, for TCP and
// UDP (the UDP rule is checked in the nat table: busybox has no UDP server).
func TestPublishOnIP(t *testing.T) {
	node, ok := nodeAddr(t)
	if !ok {
		t.Skip("the node has no address besides loopback")
	}
	opts, image := testOptions(t)
	r := newTestRuntime(t, opts)
	ctx := context.Background()
	port := freePort(t)
	spec := runtime.Spec{ID: runtimetest.NewID(), Image: image, Dir: t.TempDir(), IP: "127.0.0.1", Ports: []int{port},
		Command: gameServer(port, "game") + "; " + runtimetest.CmdEcho}
	if err := r.Create(ctx, spec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Delete(ctx, spec.ID) })
	con, err := r.Start(ctx, spec.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer con.Close()
	runtimetest.ReadLines(con.Output()).Expect(t, "ready")
	if got := httpGet(t, fmt.Sprintf("127.0.0.1:%d", port)); got != "game" {
		t.Fatalf("on its IP: %q, want game", got)
	}
	if c, err := net.Dial("tcp", netip.AddrPortFrom(node, uint16(port)).String()); err == nil {
		c.Close()
		t.Fatalf("published on 127.0.0.1 only, yet %s:%d accepts connections", node, port)
	}
	rules, err := exec.Command("iptables-save", "-t", "nat").Output()
	if err != nil {
		t.Fatal(err)
	}
	udp := fmt.Sprintf("-d 127.0.0.1/32 -p udp -m udp --dport %d -j DNAT", port)
	if !strings.Contains(string(rules), udp) {
		t.Fatalf("no UDP publication %q in the nat table", udp)
	}
}
