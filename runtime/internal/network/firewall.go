package network

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// bridgeNFCall makes bridged (container to container) traffic go through iptables; it exists
// when the br_netfilter module is loaded.
const bridgeNFCall = "/proc/sys/net/bridge/bridge-nf-call-iptables"

// inputChain holds the INPUT rules for traffic from the bridge to the node itself (the
// gateway address, every other node address, and 127.0.0.0/8 that portmap's route_localnet
// would otherwise let through): only replies to connections the node opened pass.
func (o Options) inputChain() string { return "SKYPANEL-IN-" + o.Bridge }

// forwardChain is the firewall plugin's admin chain (evaluated first in CNI-FORWARD): new
// connections into the bridge pass only when they were DNATed to a published port; replies
// pass. This isolates the servers from each other (bridged traffic through br_netfilter, routed
// traffic through the gateway) and from hosts that route to the subnet directly.
func (o Options) forwardChain() string { return "SKYPANEL-FW-" + o.Bridge }

// rule is one iptables rule of a chain.
type rule []string

// chains returns SkyPanel's chains with their rules, in order.
func (o Options) chains() map[string][]rule {
	return map[string][]rule{
		o.inputChain(): {
			{"-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"},
			{"-m", "comment", "--comment", "skypanel: servers cannot reach the node", "-j", "DROP"},
		},
		o.forwardChain(): {
			{"-o", o.Bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "RETURN"},
			{"-o", o.Bridge, "-m", "conntrack", "--ctstate", "DNAT", "-j", "RETURN"},
			{"-o", o.Bridge, "-m", "comment", "--comment", "skypanel: only published ports", "-j", "DROP"},
		},
	}
}

// ensureFirewall creates SkyPanel's chains (filling them when new or changed) and the jump
// from INPUT; the firewall plugin adds the jump to the forward chain. Idempotent.
func (o Options) ensureFirewall() error {
	if err := ensureBridgeNF(); err != nil {
		return err
	}
	for chain, rules := range o.chains() {
		if err := ensureChain(chain, rules); err != nil {
			return err
		}
	}
	jump := rule{"-i", o.Bridge, "-j", o.inputChain()}
	if iptables(append(rule{"-C", "INPUT"}, jump...)...) != nil {
		if err := iptables(append(rule{"-I", "INPUT", "1"}, jump...)...); err != nil {
			return err
		}
	}
	return nil
}

// ensureChain creates chain and makes its rules exactly rules, in one iptables-restore
// transaction (a chain declared there is flushed first), so that nodes setting up the same
// bridge at once cannot interleave their rules.
func ensureChain(chain string, rules []rule) error {
	want := []string{"-N " + chain}
	for _, r := range rules {
		want = append(want, "-A "+chain+" "+strings.Join(r, " "))
	}
	if out, err := iptablesOutput("-S", chain); err == nil && normalize(out) == normalize(strings.Join(want, "\n")) {
		return nil
	}
	var script strings.Builder
	script.WriteString("*filter\n:" + chain + " - [0:0]\n")
	for _, r := range rules {
		script.WriteString("-A " + chain)
		for _, a := range r {
			if strings.ContainsAny(a, " :") {
				a = `"` + a + `"`
			}
			script.WriteString(" " + a)
		}
		script.WriteString("\n")
	}
	script.WriteString("COMMIT\n")
	cmd := exec.Command("iptables-restore", "-w", "5", "--noflush")
	cmd.Stdin = strings.NewReader(script.String())
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("iptables-restore %s: %s: %w", chain, strings.TrimSpace(string(b)), err)
	}
	return nil
}

// normalize drops quotes and blank lines of `iptables -S` output for comparison.
func normalize(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, `"`, ""))
}

// loadBridgeNF loads br_netfilter when it is not (modprobe may be missing: then Available
// and Setup report it).
func loadBridgeNF() {
	if _, err := os.Stat(bridgeNFCall); err != nil {
		_ = exec.Command("modprobe", "br_netfilter").Run()
	}
}

// ensureBridgeNF checks that bridged traffic goes through iptables (turning it on if off).
func ensureBridgeNF() error {
	loadBridgeNF()
	b, err := os.ReadFile(bridgeNFCall)
	if err != nil {
		return fmt.Errorf("%w: br_netfilter is not loaded (modprobe br_netfilter): %w", ErrUnavailable, err)
	}
	if strings.TrimSpace(string(b)) == "1" {
		return nil
	}
	if err := os.WriteFile(bridgeNFCall, []byte("1"), 0o644); err != nil {
		return fmt.Errorf("%w: enable %s: %w", ErrUnavailable, bridgeNFCall, err)
	}
	return nil
}

// iptables runs iptables (waiting for the xtables lock) with args.
func iptables(args ...string) error {
	_, err := iptablesOutput(args...)
	return err
}

func iptablesOutput(args ...string) (string, error) {
	var out, stderr bytes.Buffer
	cmd := exec.Command("iptables", append([]string{"-w", "5"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("iptables %s: %s: %w", strings.Join(args, " "), strings.TrimSpace(stderr.String()), err)
		}
		return "", fmt.Errorf("%w: iptables: %w", ErrUnavailable, err)
	}
	return out.String(), nil
}

// purgeNAT deletes the nat rules that name container cid, and the chains they jump to. The
// bridge plugin cannot remove its masquerade rules without the namespace (it reads the
// addresses there), so after a host reboot that restored a saved ruleset they would stay,
// and the next teardown of the same server would fail on a chain still in use.
func purgeNAT(cid string) error {
	out, err := exec.Command("iptables-save", "-t", "nat").Output()
	if err != nil {
		return fmt.Errorf("%w: iptables-save: %w", ErrUnavailable, err)
	}
	tag := `id: \"` + cid + `\"`
	var del, chains []string
	for _, l := range strings.Split(string(out), "\n") {
		rest, ok := strings.CutPrefix(l, "-A POSTROUTING ")
		if !ok || !strings.Contains(l, tag) {
			continue
		}
		del = append(del, "-D POSTROUTING "+rest)
		if _, target, ok := strings.Cut(rest, " -j "); ok && strings.HasPrefix(target, "CNI-") && !strings.Contains(target, " ") {
			chains = append(chains, target)
		}
	}
	if len(del) == 0 {
		return nil
	}
	script := "*nat\n" + strings.Join(del, "\n") + "\n"
	for _, c := range chains {
		script += "-F " + c + "\n-X " + c + "\n"
	}
	cmd := exec.Command("iptables-restore", "-w", "5", "--noflush")
	cmd.Stdin = strings.NewReader(script + "COMMIT\n")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("purge nat rules of %s: %s: %w", cid, strings.TrimSpace(string(b)), err)
	}
	return nil
}
