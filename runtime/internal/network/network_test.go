package network

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// testNetwork returns a network on the tests' bridge (the one runtime/containerd's tests use),
// skipping without root or the CNI plugins.
func testNetwork(tb testing.TB) *Network {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("needs root")
	}
	n, err := New(Options{Bridge: "skypaneltest0", Subnet: "10.238.0.0/16"})
	if err != nil {
		tb.Fatal(err)
	}
	if err := n.Available(); err != nil {
		tb.Skip(err)
	}
	return n
}

// TestSetupIdempotent: Setup twice keeps the namespace; Teardown twice is fine; the
// namespace file and saved ports are gone after.
func TestSetupIdempotent(t *testing.T) {
	n := testNetwork(t)
	ctx := context.Background()
	dir := t.TempDir()
	cid := "skypanel-nettest-" + strconv.Itoa(os.Getpid())
	t.Cleanup(func() { _ = n.Teardown(ctx, cid, dir) })
	ports := []Port{{Port: 40000 + os.Getpid()%20000}}
	if err := n.Setup(ctx, cid, dir, ports); err != nil {
		t.Fatal(err)
	}
	var before, after os.FileInfo
	before, _ = os.Stat(NetnsPath(dir))
	if err := n.Setup(ctx, cid, dir, ports); err != nil {
		t.Fatal(err)
	}
	after, _ = os.Stat(NetnsPath(dir))
	if !isNetns(NetnsPath(dir)) || before == nil || after == nil || !os.SameFile(before, after) {
		t.Fatal("second Setup replaced or lost the namespace")
	}
	if got, err := SavedPorts(dir); err != nil || len(got) != 1 || got[0] != ports[0] {
		t.Fatalf("SavedPorts = %v, %v", got, err)
	}
	for range 2 {
		if err := n.Teardown(ctx, cid, dir); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{netnsFile, portsFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("%s after Teardown: %v", f, err)
		}
	}
}

// BenchmarkSetup is the cost of giving a server its network (at create; starts reuse it).
func BenchmarkSetup(b *testing.B) {
	n := testNetwork(b)
	ctx := context.Background()
	ports := []Port{{Port: 45000}}
	for i := 0; b.Loop(); i++ {
		dir := filepath.Join(b.TempDir(), strconv.Itoa(i))
		cid := "skypanel-netbench-" + strconv.Itoa(i)
		if err := n.Setup(ctx, cid, dir, ports); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := n.Teardown(ctx, cid, dir); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
