package network

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"path/filepath"
)

// plugin is one entry of a CNI network configuration list.
type plugin map[string]any

// conflist is the CNI network configuration of the bridge: one bridge with host-local IPAM
// (gateway on the bridge, masquerade for outbound traffic), portmap for the published ports
// (with SNAT so that 127.0.0.1 and hairpin connections work) and the firewall plugin (accepts
// the containers' traffic in FORWARD; its admin chain holds SkyPanel's isolation rules).
func (o Options) conflist() ([]byte, error) {
	list := map[string]any{
		"cniVersion": "1.0.0",
		"name":       o.networkName(),
		"plugins": []plugin{
			{
				"type":        "bridge",
				"bridge":      o.Bridge,
				"isGateway":   true,
				"ipMasq":      true,
				"hairpinMode": true,
				"ipam": map[string]any{
					"type":    "host-local",
					"ranges":  [][]map[string]string{{{"subnet": o.Subnet}}},
					"routes":  []map[string]string{{"dst": "0.0.0.0/0"}},
					"dataDir": filepath.Join(o.StateDir, "ipam"),
				},
			},
			{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}, "snat": true},
			{"type": "firewall", "backend": "iptables", "iptablesAdminChainName": o.forwardChain()},
		},
	}
	b, err := json.Marshal(list)
	if err != nil {
		return nil, fmt.Errorf("network config: %w", err)
	}
	return b, nil
}

// networkName names the CNI network after its bridge (IPAM state is kept per network name).
func (o Options) networkName() string { return "skypanel-" + o.Bridge }

// validate checks the bridge name and subnet.
func (o Options) validate() error {
	if o.Bridge == "" || len(o.Bridge) > 15 {
		return fmt.Errorf("%w: bridge name %q (1 to 15 characters)", ErrInvalid, o.Bridge)
	}
	for _, c := range o.Bridge {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("%w: bridge name %q", ErrInvalid, o.Bridge)
		}
	}
	p, err := netip.ParsePrefix(o.Subnet)
	if err != nil || !p.Addr().Is4() || p.Bits() > 29 || p.Masked() != p {
		return fmt.Errorf("%w: subnet %q (an IPv4 network such as 10.239.0.0/16)", ErrInvalid, o.Subnet)
	}
	return nil
}
