package netlab

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// Node is one node's network: a namespace and the two ends of its veth pair.
type Node struct {
	Letter   string     // "a", "b", …
	Netns    string     // ip netns name
	HostVeth string     // root-namespace end
	NodeVeth string     // end inside Netns
	HostAddr netip.Addr // address of HostVeth (the node's gateway)
	Addr     netip.Addr // address of NodeVeth (the node's private host)
	subnet   netip.Prefix
}

// NetnsPath is the namespace file nsenter joins.
func (n *Node) NetnsPath() string { return "/run/netns/" + n.Netns }

// Lab is a set of node namespaces and what runs in them. Close undoes everything.
type Lab struct {
	ID     string       // "<pid>-<rand>", in every name the lab creates
	Subnet netip.Prefix // 10.213.X.0/24
	Panel  netip.Addr   // the address the panel listens on (Nodes[0].HostAddr)
	Nodes  []*Node
	Dir    string // a fresh folder (mode 0711) for the data of the lab's processes
	Logf   func(format string, args ...any)

	mu       sync.Mutex
	cleanups []cleanup
	closed   bool
}

type cleanup struct {
	what string
	fn   func() error
}

// prefix starts every namespace name of this package.
const prefix = "skp12-"

// taken is the set of third octets used by the labs of this process.
var taken = struct {
	sync.Mutex
	m map[int]bool
}{m: map[int]bool{}}

// New creates a lab of n nodes (1 ≤ n ≤ 63). logf receives what the lab does (nil = nothing).
// On error everything created so far is removed.
func New(n int, logf func(string, ...any)) (*Lab, error) {
	if n < 1 || n > 63 {
		return nil, fmt.Errorf("netlab: %d nodes (1 to 63)", n)
	}
	if err := Check(); err != nil {
		return nil, err
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	octet, err := pickOctet()
	if err != nil {
		return nil, err
	}
	l := &Lab{ID: fmt.Sprintf("%d-%s", os.Getpid(), randomString(4)), Logf: logf,
		Subnet: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 213, byte(octet), 0}), 24)}
	l.Defer("release subnet", func() error {
		taken.Lock()
		delete(taken.m, octet)
		taken.Unlock()
		return nil
	})
	if l.Dir, err = os.MkdirTemp("", "skp12-"+l.ID+"-"); err != nil {
		return nil, errors.Join(err, l.Close())
	}
	l.Defer("folder "+l.Dir, func() error {
		found, err := UnmountUnder(l.Dir)
		if len(found) > 0 {
			err = errors.Join(fmt.Errorf("left mounted (unmounted now): %v", found), err)
		}
		return errors.Join(err, os.RemoveAll(l.Dir))
	})
	// the users of standard servers traverse it to reach their folders
	if err := os.Chmod(l.Dir, 0o711); err != nil {
		return nil, errors.Join(err, l.Close())
	}
	for i := range n {
		node, err := l.addNode(i)
		if err != nil {
			return nil, errors.Join(err, l.Close())
		}
		l.Nodes = append(l.Nodes, node)
	}
	l.Panel = l.Nodes[0].HostAddr
	logf("netlab %s: %d nodes on %s, panel address %s", l.ID, n, l.Subnet, l.Panel)
	return l, nil
}

// addNode creates namespace i with its veth pair, addresses and routes.
func (l *Lab) addNode(i int) (*Node, error) {
	letter := string(rune('a' + i))
	base := l.Subnet.Addr().As4()
	base[3] = byte(4 * i)
	short := strings.ReplaceAll(l.ID, "-", "")
	short = short[max(0, len(short)-8):] // veth names have at most 15 characters
	node := &Node{Letter: letter, Netns: prefix + l.ID + "-" + letter,
		HostVeth: "sk" + short + letter + "0", NodeVeth: "sk" + short + letter + "1",
		subnet: netip.PrefixFrom(netip.AddrFrom4(base), 30)}
	node.HostAddr = node.subnet.Addr().Next()
	node.Addr = node.HostAddr.Next()
	if err := ip("netns", "add", node.Netns); err != nil {
		return nil, err
	}
	l.Defer("namespace "+node.Netns, func() error { return deleteNetns(node.Netns) })
	if err := ip("link", "add", node.HostVeth, "type", "veth", "peer", "name", node.NodeVeth, "netns", node.Netns); err != nil {
		return nil, err
	}
	l.Defer("veth "+node.HostVeth, func() error { return deleteLink(node.HostVeth) })
	bits := fmt.Sprintf("/%d", node.subnet.Bits())
	steps := [][]string{
		{"addr", "add", node.HostAddr.String() + bits, "dev", node.HostVeth},
		{"link", "set", node.HostVeth, "up"},
		{"-n", node.Netns, "link", "set", "lo", "up"},
		{"-n", node.Netns, "addr", "add", node.Addr.String() + bits, "dev", node.NodeVeth},
	}
	for _, s := range steps {
		if err := ip(s...); err != nil {
			return nil, err
		}
	}
	if err := l.linkUp(node); err != nil {
		return nil, err
	}
	return node, nil
}

// linkUp brings the node's end of its veth up and routes the lab's subnet through it (the
// route goes away while the link is down).
func (l *Lab) linkUp(n *Node) error {
	if err := ip("-n", n.Netns, "link", "set", n.NodeVeth, "up"); err != nil {
		return err
	}
	return ip("-n", n.Netns, "route", "replace", l.Subnet.String(), "via", n.HostAddr.String(), "dev", n.NodeVeth)
}

// Partition cuts node n off: the node's end of its veth goes down. The root side keeps its
// address and route, so the panel's packets to the node are silently lost (a dial times out,
// as with a real partition) rather than refused.
func (l *Lab) Partition(n *Node) error {
	l.Logf("netlab: ip link set %s down (in %s)", n.NodeVeth, n.Netns)
	return ip("-n", n.Netns, "link", "set", n.NodeVeth, "down")
}

// Heal undoes Partition.
func (l *Lab) Heal(n *Node) error {
	l.Logf("netlab: ip link set %s up (in %s)", n.NodeVeth, n.Netns)
	return l.linkUp(n)
}

// Defer registers fn to run at Close (last registered, first run).
func (l *Lab) Defer(what string, fn func() error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cleanups = append(l.cleanups, cleanup{what, fn})
}

// Close runs every cleanup, newest first, and reports those that failed. Safe to call twice.
func (l *Lab) Close() error {
	l.mu.Lock()
	cs := l.cleanups
	l.cleanups, l.closed = nil, true
	l.mu.Unlock()
	var errs []error
	for i := len(cs) - 1; i >= 0; i-- {
		if err := cs[i].fn(); err != nil {
			errs = append(errs, fmt.Errorf("netlab cleanup (%s): %w", cs[i].what, err))
		}
	}
	return errors.Join(errs...)
}

// Check reports what the package needs and is missing.
func Check() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: network namespaces need root", ErrUnsupported)
	}
	for _, bin := range []string{"ip", "nsenter"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%w: %s (iproute2, util-linux): %w", ErrUnsupported, bin, err)
		}
	}
	return nil
}

// pickOctet reserves a third octet X such that no address or route of the root namespace is
// in 10.213.X.0/24 and no lab of this process uses it.
func pickOctet() (int, error) {
	out, err := exec.Command("sh", "-c", "ip -4 -o addr show; ip -4 route show table all").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("netlab: list addresses: %w: %s", err, out)
	}
	taken.Lock()
	defer taken.Unlock()
	for range 64 {
		x := randomInt(254) + 1
		if taken.m[x] || strings.Contains(string(out), fmt.Sprintf("10.213.%d.", x)) {
			continue
		}
		taken.m[x] = true
		return x, nil
	}
	return 0, errors.New("netlab: no free 10.213.X.0/24")
}

// ip runs ip(8) with args.
func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func randomInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err)
	}
	return int(v.Int64())
}

// randomString returns n random lower-case letters and digits.
func randomString(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[randomInt(len(alphabet))]
	}
	return string(b)
}
