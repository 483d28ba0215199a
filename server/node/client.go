package node

import "github.com/skypanel/skypanel/daemon/nodeapi"

// Client is how the panel drives one node: nodeapi.Node, implemented in process by the local
// node's nodeapi.Service and over HTTP by Remote.
type Client = nodeapi.Node
