package node

import (
	"context"
	"errors"

	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/ent"
)

// Client is how the panel drives one node: nodeapi.Node, implemented in process by the local
// node's nodeapi.Service and over HTTP by Remote.
type Client = nodeapi.Node

// Finder finds the client of a node: the local node's Service, or a Remote for the others.
// A node that cannot be used returns an error wrapping ErrUnavailable (an *UnavailableError).
type Finder interface {
	Client(ctx context.Context, n *ent.Node) (Client, error)
}

// errNoFinder: the panel was built without a Finder.
var errNoFinder = errors.New("the panel has no node finder: no node can run servers")

// ClientOf finds n's client through f; without a Finder (nil) no node can run servers and n
// is unavailable.
func ClientOf(ctx context.Context, f Finder, n *ent.Node) (Client, error) {
	if f == nil {
		return nil, Unavailable(n.ID, errNoFinder)
	}
	return f.Client(ctx, n)
}
