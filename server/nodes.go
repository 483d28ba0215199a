package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/sysinfo"
	"github.com/skypanel/skypanel/ent"
	rt "github.com/skypanel/skypanel/runtime"
)

// ErrNodeUnavailable is returned when a node cannot be reached.
var ErrNodeUnavailable = errors.New("node unavailable")

// Features is what a node can run.
type Features struct {
	Docker         bool
	DockerReason   string // why docker is unavailable
	Standard       bool
	StandardReason string // why standard servers are unavailable (off, or not root)
	Environments   []string
}

// NodeClient is how the panel drives one node: in-process for the local node, over HTTP (the
// generated client) for remote nodes.
type NodeClient interface {
	NodeFiles   // files_node.go
	NodeBackups // backups_node.go
	NodeInstall // install_node.go
	NodeEvents  // socket_node.go

	Features(ctx context.Context) (Features, error)
	System(ctx context.Context) (sysinfo.System, error)

	// CreateServer creates the server's instance and folder; on error nothing is left.
	CreateServer(ctx context.Context, def daemon.Definition) error
	// UpdateServer replaces the definition (limits live where possible).
	UpdateServer(ctx context.Context, def daemon.Definition) error
	// DeleteServer stops and removes the instance and its files.
	DeleteServer(ctx context.Context, id string) error
	// Power runs a power action. Start and kill finish before returning; stop and restart are
	// checked, then run in the background (the API answers 204 once accepted).
	Power(ctx context.Context, id string, action PowerAction) error
	Status(ctx context.Context, id string) (daemon.StatusInfo, error)
	Stats(ctx context.Context, id string) (rt.Stats, error)
	Console(ctx context.Context, id string, since int64) ([]string, int64, error)
	SendCommand(ctx context.Context, id, command string) error
}

// PowerAction is a lifecycle request.
type PowerAction string

// Power actions.
const (
	PowerStart   PowerAction = "start"
	PowerStop    PowerAction = "stop"
	PowerRestart PowerAction = "restart"
	PowerKill    PowerAction = "kill"
)

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
