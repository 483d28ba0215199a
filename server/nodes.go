package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/skypanel/skypanel/daemon/sysinfo"
	"github.com/skypanel/skypanel/ent"
)

// ErrNodeUnavailable is returned when a node cannot be reached.
var ErrNodeUnavailable = errors.New("node unavailable")

// Features is what a node can run.
type Features struct {
	Docker       bool
	DockerReason string // why docker is unavailable
	Environments []string
}

// NodeClient is how the panel drives one node: in-process for the local node, over HTTP (the
// generated client) for remote nodes.
type NodeClient interface {
	Features(ctx context.Context) (Features, error)
	System(ctx context.Context) (sysinfo.System, error)
}

// NodeRegistry finds the client of a node.
type NodeRegistry interface {
	Client(ctx context.Context, n *ent.Node) (NodeClient, error)
}

// LocalOnly is a registry with the embedded local node only; remote nodes are reported
// unavailable until the remote daemon client exists.
type LocalOnly struct{ Local NodeClient }

// Client returns the local node's client for the local node.
func (l LocalOnly) Client(_ context.Context, n *ent.Node) (NodeClient, error) {
	if n.Local && l.Local != nil {
		return l.Local, nil
	}
	return nil, fmt.Errorf("%w: node %d (%s) is remote and remote nodes are not supported yet", ErrNodeUnavailable, n.ID, n.Name)
}
