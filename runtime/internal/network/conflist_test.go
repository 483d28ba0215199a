package network

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		bridge, subnet string
		ok             bool
	}{
		{"skypanel0", "10.239.0.0/16", true},
		{"br-1.x_y", "192.168.100.0/24", true},
		{"", "10.239.0.0/16", false},
		{"a-very-long-bridge", "10.239.0.0/16", false},
		{"bad name", "10.239.0.0/16", false},
		{"skypanel0", "10.239.0.1/16", false}, // not a network address
		{"skypanel0", "fd00::/64", false},
		{"skypanel0", "10.0.0.0/30", false},
		{"skypanel0", "nonsense", false},
	}
	for _, c := range cases {
		err := Options{Bridge: c.bridge, Subnet: c.subnet}.validate()
		if c.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("validate(%q, %q) = %v, want ok=%v", c.bridge, c.subnet, err, c.ok)
		}
	}
	if _, err := New(Options{Subnet: "10.0.0.1/8"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("New with a bad subnet: %v", err)
	}
}

// TestConflist checks the generated CNI configuration: the bridge and subnet asked for, IPAM
// state in StateDir, portmap with SNAT (127.0.0.1 works), the firewall plugin's admin chain
// being SkyPanel's forward chain.
func TestConflist(t *testing.T) {
	o := Options{Bridge: "br9", Subnet: "10.9.0.0/16", StateDir: "/state"}
	b, err := o.conflist()
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Name    string           `json:"name"`
		Plugins []map[string]any `json:"plugins"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	if list.Name != "skypanel-br9" || len(list.Plugins) != 3 {
		t.Fatalf("conflist %s", b)
	}
	br, pm, fw := list.Plugins[0], list.Plugins[1], list.Plugins[2]
	ipam, _ := br["ipam"].(map[string]any)
	if br["type"] != "bridge" || br["bridge"] != "br9" || br["ipMasq"] != true || ipam["dataDir"] != "/state/ipam" {
		t.Errorf("bridge plugin %v", br)
	}
	if ranges, _ := json.Marshal(ipam["ranges"]); string(ranges) != `[[{"subnet":"10.9.0.0/16"}]]` {
		t.Errorf("ranges %s", ranges)
	}
	if pm["type"] != "portmap" || pm["snat"] != true {
		t.Errorf("portmap plugin %v", pm)
	}
	if fw["type"] != "firewall" || fw["backend"] != "iptables" || fw["iptablesAdminChainName"] != o.forwardChain() {
		t.Errorf("firewall plugin %v", fw)
	}
}

func TestPortMappings(t *testing.T) {
	got := portMappings([]Port{{Port: 25565}, {HostIP: "192.0.2.7", Port: 27015}})
	if len(got) != 4 {
		t.Fatalf("%d mappings, want 4 (TCP and UDP each)", len(got))
	}
	for i, p := range got {
		wantProto := []string{"tcp", "udp"}[i%2]
		if p.Protocol != wantProto || p.HostPort != p.ContainerPort {
			t.Errorf("mapping %d = %+v", i, p)
		}
	}
	if got[2].HostIP != "192.0.2.7" || got[0].HostIP != "" {
		t.Errorf("host IPs %q %q", got[0].HostIP, got[2].HostIP)
	}
}
