package node

import (
	"context"

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
