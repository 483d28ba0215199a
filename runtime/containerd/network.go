package containerd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/internal/network"
)

// NetworkOptions configure the servers' networks (see runtime/internal/network): one bridge
// for every server of the node, each server in its own network namespace.
type NetworkOptions struct {
	// BinDir holds the CNI plugins (default DefaultCNIBinDir, /usr/lib/cni).
	BinDir string
	// Bridge is the bridge name (default DefaultCNIBridge, skypanel0).
	Bridge string
	// Subnet is the bridge's IPv4 network (default DefaultCNISubnet, 10.239.0.0/16).
	Subnet string
	// StateDir keeps the IPAM state of the bridge (default DefaultCNIStateDir,
	// /run/skypanel/cni; share it between every node on one bridge).
	StateDir string
}

// Defaults of NetworkOptions (runtime/internal/network's, for the flags of cmd/skypanel).
const (
	DefaultCNIBinDir   = network.DefaultBinDir
	DefaultCNIBridge   = network.DefaultBridge
	DefaultCNISubnet   = network.DefaultSubnet
	DefaultCNIStateDir = network.DefaultStateDir
)

// Files in a server's state folder, bind-mounted read-only into its container.
const (
	resolvName = "resolv.conf"
	hostsName  = "hosts"
)

// fallbackDNS are the resolvers used when the node's resolv.conf names only loopback resolvers
// (unreachable from a container), as Docker does.
var fallbackDNS = []string{"8.8.8.8", "8.8.4.4"}

// newNetwork builds the network of the runtime.
func newNetwork(o Options) (*network.Network, error) {
	n, err := network.New(network.Options{BinDir: o.Network.BinDir, Bridge: o.Network.Bridge,
		Subnet: o.Network.Subnet, StateDir: o.Network.StateDir, Logger: o.Logger})
	if err != nil {
		return nil, fmt.Errorf("containerd runtime: %w: %w", runtime.ErrInvalidSpec, err)
	}
	return n, nil
}

// setupNetwork gives server spec its namespace with its ports published, and writes the
// resolv.conf and hosts files of its container.
func (r *Runtime) setupNetwork(ctx context.Context, spec runtime.Spec) error {
	dir := r.stateDir(spec.ID)
	ports := make([]network.Port, 0, len(spec.Ports))
	for _, p := range spec.Ports {
		ports = append(ports, network.Port{HostIP: spec.IP, Port: p})
	}
	if err := r.net.Setup(ctx, ContainerID(spec.ID), dir, ports); err != nil {
		return netError("create", spec.ID, err)
	}
	hosts := "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
	if err := os.WriteFile(filepath.Join(dir, hostsName), []byte(hosts), 0o644); err != nil {
		return fmt.Errorf("create %s: %w", spec.ID, err)
	}
	if err := os.WriteFile(filepath.Join(dir, resolvName), resolvConf(resolvSources...), 0o644); err != nil {
		return fmt.Errorf("create %s: %w", spec.ID, err)
	}
	return nil
}

// ensureNetwork rebuilds the namespace of id if it is gone (host reboot) before a start. A
// container without it (created on the host network by an older SkyPanel) is refused: it must
// be created again (the daemon does when the spec changed), never started on the host network.
func (r *Runtime) ensureNetwork(ctx context.Context, c client.Container, id string) error {
	dir := r.stateDir(id)
	s, err := c.Spec(ctx)
	if err != nil {
		return r.wrap("start", id, err)
	}
	if !joinsNetns(s, network.NetnsPath(dir)) {
		return fmt.Errorf("start %s: %w: the container has no network namespace of its own (created by an older version): create it again", id, runtime.ErrInvalidSpec)
	}
	ports, err := network.SavedPorts(dir)
	if err != nil {
		return fmt.Errorf("start %s: %w", id, err)
	}
	if err := r.net.Setup(ctx, ContainerID(id), dir, ports); err != nil {
		return netError("start", id, err)
	}
	return nil
}

// joinsNetns reports whether spec s puts the container into the namespace at path.
func joinsNetns(s *oci.Spec, path string) bool {
	if s.Linux == nil {
		return false
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == specs.NetworkNamespace {
			return ns.Path == path
		}
	}
	return false
}

// teardownNetwork removes the namespace and the published ports of id.
func (r *Runtime) teardownNetwork(ctx context.Context, id string) error {
	if err := r.net.Teardown(ctx, ContainerID(id), r.stateDir(id)); err != nil {
		return netError("delete", id, err)
	}
	return nil
}

// resolvSources are the node's resolv.conf and systemd-resolved's upstream list.
var resolvSources = []string{"/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"}

// resolvConf is the first of sources that names a resolver a container can reach (not on
// loopback), without its loopback resolvers; public resolvers when none does. A resolver on
// another node address is kept but unreachable (servers cannot reach the node).
func resolvConf(sources ...string) []byte {
	var out bytes.Buffer
	servers := 0
	for _, path := range sources {
		out.Reset()
		servers = 0
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) >= 2 && f[0] == "nameserver" {
				if a, err := netip.ParseAddr(f[1]); err != nil || a.IsLoopback() {
					continue
				}
				servers++
			}
			out.WriteString(sc.Text() + "\n")
		}
		if servers > 0 {
			return out.Bytes()
		}
	}
	out.Reset()
	for _, s := range fallbackDNS {
		out.WriteString("nameserver " + s + "\n")
	}
	return out.Bytes()
}

// netError marks a host that cannot give networks as an unavailable runtime.
func netError(op, id string, err error) error {
	if errors.Is(err, network.ErrUnavailable) {
		return fmt.Errorf("%s %s: %w: %w", op, id, runtime.ErrUnavailable, err)
	}
	return fmt.Errorf("%s %s: %w", op, id, err)
}
