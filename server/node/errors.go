package node

import (
	"errors"

	"github.com/skypanel/skypanel/daemon/nodeapi"
)

// ErrUnavailable is the node's "does not answer" sentinel (nodeapi.ErrUnavailable): the
// panel answers 503 ErrNodeUnavailable.
var ErrUnavailable = nodeapi.ErrUnavailable

// UnavailableError says which node did not answer and why (nodeapi.UnavailableError); the
// panel's error mapper puts NodeID in the envelope's metadata.nodeId.
type UnavailableError = nodeapi.UnavailableError

// Unavailable wraps cause as node nodeID not answering (nodeapi.Unavailable).
func Unavailable(nodeID int, cause error) error { return nodeapi.Unavailable(nodeID, cause) }

// NodeIDOf returns the node id of an UnavailableError in err's chain (nodeapi.NodeIDOf).
func NodeIDOf(err error) (int, bool) { return nodeapi.NodeIDOf(err) }

// Sentinels of the panel's remote node client.
var (
	// ErrSigningKey: the panel's node-token key cannot be created, opened or used.
	ErrSigningKey = errors.New("node signing key")
	// ErrTransportConfig: the options for reaching nodes (CA file) are unusable.
	ErrTransportConfig = errors.New("node transport configuration")
	// ErrTimeout: a node did not answer within the call's bound (wrapped in an UnavailableError).
	ErrTimeout = errors.New("node did not answer in time")
	// ErrProtocol: a node's answer does not match daemon.yaml (wrapped in an UnavailableError).
	ErrProtocol = errors.New("unexpected answer from node")
)
