// Package network gives each container its own network namespace on a SkyPanel bridge, with
// the CNI plugins of Debian's containernetworking-plugins (bridge + host-local + portmap +
// firewall) driven by containerd/go-cni.
//
// What a server can reach:
//   - its published ports (TCP and UDP) are reachable on the node's addresses (or one IP),
//     127.0.0.1 included (portmap's localhost SNAT);
//   - outbound traffic to other networks is masqueraded (the internet stays reachable);
//   - the node itself is not: an INPUT chain drops everything from the bridge but replies
//     (the gateway, every node address, 127.0.0.0/8);
//   - other servers are not: a FORWARD chain (the firewall plugin's admin chain) drops new
//     connections into the bridge unless they were DNATed to a published port; bridged traffic
//     passes iptables through br_netfilter (required; bridge-nf-call-iptables is turned on);
//   - IPv6 is turned off on the container's interface (no link-local path to the node or to
//     other containers).
//
// Each server's namespace is bind-mounted on a file in its state folder, so a restarted daemon
// finds it as it was; after a host reboot the file is no longer a namespace and Setup builds
// it again. IPAM state lives in Options.StateDir, shared by every node using the bridge.
package network

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"

	gocni "github.com/containerd/go-cni"
)

// Defaults of Options.
const (
	DefaultBinDir   = "/usr/lib/cni"
	DefaultBridge   = "skypanel0"
	DefaultSubnet   = "10.239.0.0/16"
	DefaultStateDir = "/run/skypanel/cni"
)

// Files in a server's folder.
const (
	netnsFile = "netns"
	portsFile = "network.json"
)

// Options configure the network.
type Options struct {
	BinDir   string // CNI plugin binaries (default DefaultBinDir)
	Bridge   string // bridge name (default DefaultBridge)
	Subnet   string // IPv4 subnet of the bridge (default DefaultSubnet)
	StateDir string // IPAM state (default DefaultStateDir)
	Logger   *slog.Logger
}

// Port is a published port: TCP and UDP Port on HostIP ("" = every address of the node).
type Port struct {
	HostIP string `json:"hostIP,omitempty"`
	Port   int    `json:"port"`
}

// Network sets up and tears down the namespaces of servers.
type Network struct {
	opts Options
	log  *slog.Logger
	cni  gocni.CNI

	fwMu sync.Mutex
}

// New validates opts and loads the CNI configuration (nothing is touched on the host yet).
func New(opts Options) (*Network, error) {
	if opts.BinDir == "" {
		opts.BinDir = DefaultBinDir
	}
	if opts.Bridge == "" {
		opts.Bridge = DefaultBridge
	}
	if opts.Subnet == "" {
		opts.Subnet = DefaultSubnet
	}
	if opts.StateDir == "" {
		opts.StateDir = DefaultStateDir
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	conf, err := opts.conflist()
	if err != nil {
		return nil, err
	}
	c, err := gocni.New(gocni.WithPluginDir([]string{opts.BinDir}), gocni.WithMinNetworkCount(2),
		gocni.WithConfListBytes(conf), gocni.WithLoNetwork)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return &Network{opts: opts, log: opts.Logger.With("component", "network"), cni: c}, nil
}

// Options returns the options in use (defaults filled in).
func (n *Network) Options() Options { return n.opts }

// Available reports why servers cannot get networks (nil when they can).
func (n *Network) Available() error {
	for _, p := range []string{"bridge", "host-local", "portmap", "firewall", "loopback"} {
		if _, err := os.Stat(filepath.Join(n.opts.BinDir, p)); err != nil {
			return fmt.Errorf("%w: CNI plugin %s (apt-get install containernetworking-plugins): %w", ErrUnavailable, p, err)
		}
	}
	loadBridgeNF()
	if _, err := os.Stat(bridgeNFCall); err != nil {
		return fmt.Errorf("%w: br_netfilter is not loaded (modprobe br_netfilter)", ErrUnavailable)
	}
	for _, bin := range []string{"iptables", "iptables-save", "iptables-restore"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%w: %s (apt-get install iptables): %w", ErrUnavailable, bin, err)
		}
	}
	return nil
}

// NetnsPath is the namespace file of the server whose state folder is dir.
func NetnsPath(dir string) string { return filepath.Join(dir, netnsFile) }

// Setup makes sure the server (CNI container id cid, state folder dir) has its namespace with
// ports published. A live namespace is kept as is (daemon restart, second start); a stale one
// (host reboot, interrupted setup) is torn down and built again.
func (n *Network) Setup(ctx context.Context, cid, dir string, ports []Port) (retErr error) {
	path := NetnsPath(dir)
	if isNetns(path) {
		return nil
	}
	if err := n.ensureFirewall(); err != nil {
		return err
	}
	if _, err := os.Lstat(path); err == nil {
		n.log.Info("rebuilding a stale network namespace", "id", cid)
		if err := n.Teardown(ctx, cid, dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("network %s: %w", cid, err)
	}
	b, _ := json.Marshal(ports)
	if err := os.WriteFile(filepath.Join(dir, portsFile), b, 0o600); err != nil {
		return fmt.Errorf("network %s: %w", cid, err)
	}
	if err := createNetns(path); err != nil {
		return err
	}
	defer func() {
		if retErr != nil {
			_ = n.Teardown(context.WithoutCancel(ctx), cid, dir)
		}
	}()
	if _, err := n.cni.Setup(ctx, cid, path, gocni.WithCapabilityPortMap(portMappings(ports))); err != nil {
		return fmt.Errorf("network %s: %w", cid, err)
	}
	return inNetns(path, disableIPv6)
}

// Teardown removes the server's network (CNI DEL with the ports it was set up with, then the
// namespace). Tearing down an absent network is not an error.
func (n *Network) Teardown(ctx context.Context, cid, dir string) error {
	path := NetnsPath(dir)
	ports, err := SavedPorts(dir)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) && ports == nil {
		if _, err := os.Stat(filepath.Join(dir, portsFile)); errors.Is(err, os.ErrNotExist) {
			return nil // never set up
		}
	}
	nsPath := path
	if !isNetns(path) {
		nsPath = "" // plugins clean up host-side state without the namespace
	}
	if err := n.cni.Remove(ctx, cid, nsPath, gocni.WithCapabilityPortMap(portMappings(ports))); err != nil {
		return fmt.Errorf("network %s: teardown: %w", cid, err)
	}
	if nsPath == "" {
		if err := purgeNAT(cid); err != nil {
			return err
		}
	}
	if err := removeNetns(path); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(dir, portsFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("network %s: %w", cid, err)
	}
	return nil
}

// ensureFirewall installs SkyPanel's iptables chains, or repairs them (a flushed or reloaded
// firewall), before every new namespace. Concurrent calls are serialised.
func (n *Network) ensureFirewall() error {
	n.fwMu.Lock()
	defer n.fwMu.Unlock()
	return n.opts.ensureFirewall()
}

// portMappings publishes each port for TCP and UDP.
func portMappings(ports []Port) []gocni.PortMapping {
	out := make([]gocni.PortMapping, 0, 2*len(ports))
	for _, p := range ports {
		for _, proto := range []string{"tcp", "udp"} {
			out = append(out, gocni.PortMapping{HostPort: int32(p.Port), ContainerPort: int32(p.Port),
				Protocol: proto, HostIP: p.HostIP})
		}
	}
	return out
}

// disableIPv6 turns IPv6 off on the container's interface (runs inside the namespace).
func disableIPv6() error {
	err := os.WriteFile("/proc/sys/net/ipv6/conf/eth0/disable_ipv6", []byte("1"), 0o644)
	if err != nil && !errors.Is(err, os.ErrNotExist) { // no IPv6 in the kernel: nothing to do
		return fmt.Errorf("disable IPv6: %w", err)
	}
	return nil
}

// SavedPorts returns the ports the server whose state folder is dir was set up with (none
// when it never was).
func SavedPorts(dir string) ([]Port, error) {
	b, err := os.ReadFile(filepath.Join(dir, portsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	var ports []Port
	if err := json.Unmarshal(b, &ports); err != nil {
		return nil, fmt.Errorf("network: %s: %w", portsFile, err)
	}
	return ports, nil
}
