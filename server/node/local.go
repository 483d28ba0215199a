package node

import (
	"context"
	"errors"

	"github.com/skypanel/skypanel/ent"
)

// errRemoteUnsupported is LocalOnly's reason for a remote node.
var errRemoteUnsupported = errors.New("remote nodes are not supported by this registry")

// LocalOnly is a Finder with the embedded local node only (tests and benchmarks that have no
// remote nodes): every other node is unavailable.
type LocalOnly struct{ Local Client }

// Client returns the local node's client for the local node.
func (l LocalOnly) Client(_ context.Context, n *ent.Node) (Client, error) {
	if n.Local && l.Local != nil {
		return l.Local, nil
	}
	if n.Local {
		return nil, Unavailable(n.ID, errors.New("the local node is not running"))
	}
	return nil, Unavailable(n.ID, errRemoteUnsupported)
}
