package node

import (
	"errors"
	"fmt"

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

// TooOldError says which node's daemon lacks which operation of daemon.yaml: it answered
// 404 ErrRouteNotFound or 405 ErrMethodNotAllowed. It matches ErrDaemonTooOld and the node's
// answer (nodeapi.ErrRouteNotFound, …), never ErrUnavailable or a "not found" of a server or
// file: the node answers, it is only older than the panel. The panel answers 503
// ErrNodeUnavailable; Error is the reason for administrators.
type TooOldError struct {
	NodeID    int
	Operation string // the operationId (nodeapi.OperationOf)
	Err       error  // the node's answer
}

func (e *TooOldError) Error() string {
	return fmt.Sprintf("%v for %s (node %d: %v)", ErrDaemonTooOld, e.Operation, e.NodeID, e.Err)
}

// Unwrap returns ErrDaemonTooOld and the node's answer.
func (e *TooOldError) Unwrap() []error { return []error{ErrDaemonTooOld, e.Err} }

// NodeIDOf returns the node id of an UnavailableError or a TooOldError in err's chain.
func NodeIDOf(err error) (int, bool) {
	if id, ok := nodeapi.NodeIDOf(err); ok {
		return id, true
	}
	var o *TooOldError
	if errors.As(err, &o) {
		return o.NodeID, true
	}
	return 0, false
}

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
	// ErrDaemonTooOld: the node's daemon does not have the operation the panel called (a
	// TooOldError says which); the node is not marked down for it.
	ErrDaemonTooOld = errors.New("node daemon too old")
)
