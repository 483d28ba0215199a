// Package multinode holds the end-to-end tests of issue 12 ("Many machines"): the real
// `skypanel` binary as a panel (`serve`, root network namespace) and two daemons (`daemon`),
// each in its own network namespace joined by a veth pair (package netlab). They check that
// daemons check in, that servers on a remote node run and stream their consoles through the
// panel's WebSocket, that a token minted for one node is refused by the other, that files go
// through with Range, that a partitioned or killed node answers 503 ErrNodeUnavailable with
// metadata.nodeId within 3 s while the other node is unaffected, and that a node that comes
// back re-attaches and reconciles. Every panel response is validated against openapi.yaml
// (server/apitest) and every daemon response against daemon.yaml.
//
// Environment: root, iproute2 and nsenter; without them every test skips with the reason.
// Docker servers need SKYPANEL_TEST_CONTAINERD and SKYPANEL_TEST_IMAGE as
// scripts/containerd-test-env.sh sets them; without them the servers are standard ones.
// Each daemon gets its own containerd namespace (the test image copied in), CNI state folder,
// volumes folder and standard uid range; its CNI bridge lives in its own network namespace.
package multinode
