package containerd

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
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
	return startSpec(t, r, runtime.Spec{Image: image, Ports: ports, Command: cmdShell(setup)})
}

// startSpec creates and starts spec as root (spec.User 0:0) under a new id, in a fresh folder,
// and returns its shell; Delete runs at cleanup.
func startSpec(t *testing.T, r *Runtime, spec runtime.Spec) *shell {
	t.Helper()
	ctx := context.Background()
	spec.ID, spec.Dir, spec.User = runtimetest.NewID(), t.TempDir(), &runtime.User{}
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
