// Package netlab builds the multi-node test network of issue 12 on one machine and runs the
// real `skypanel` binary in it: one Linux network namespace per node, joined to the root
// namespace by a veth pair with addresses from a private /24 of 10.213.0.0/16 chosen per lab,
// the panel (`skypanel serve`) in the root namespace and each daemon (`skypanel daemon`) inside
// its node's namespace.
//
// Layout of a lab with n nodes on 10.213.X.0/24: node i has the /30 10.213.X.4i; the root
// side of its veth is .4i+1 and the node side .4i+2. The panel listens on node 0's root-side
// address (it stays a local address of the root namespace when a node's link goes down, so
// every node keeps reaching the panel during another node's partition). Each node routes the
// lab's /24 through its veth, and has no default route: traffic never leaves the lab.
//
// Daemons are started with `nsenter --net=/run/netns/NAME`, not `ip netns exec`: the latter
// also enters a new mount namespace with a fresh /sys, which hides the cgroup hierarchy
// (standard servers' limits) and keeps the daemon's bind mounts (each container's network
// namespace file) from containerd in the root mount namespace.
//
// Everything a lab creates is undone by Close, in reverse order, even after failures:
// processes are killed, leftover mounts under the lab's folders are unmounted, namespaces and
// veths deleted. Namespace names carry the creating process id ("skp12-<pid>-<rand>-<node>"),
// so Sweep removes what a killed test binary left behind.
//
// The package needs root, iproute2 and util-linux's nsenter (Check says what is missing).
package netlab
