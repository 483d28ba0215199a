package server

import (
	"context"

	"github.com/skypanel/skypanel/server/node"
)

// HoldTransfer marks server id as being transferred until release is called (tests of the
// busy rule without a second node).
func (a *App) HoldTransfer(id string) (release func(), ok bool) {
	done := make(chan struct{})
	ok = a.xfer.start(id, func(ctx context.Context) {
		select {
		case <-done:
		case <-ctx.Done():
		}
	})
	return func() { close(done) }, ok
}

// ReconcileNode runs the App's reconcile of node id through c (as the Registry does).
func (a *App) ReconcileNode(ctx context.Context, id int, c node.Client) error {
	return a.reconciler.Reconcile(ctx, id, c)
}

// TransferRunning reports whether a transfer of server id runs.
func (a *App) TransferRunning(id string) bool { return a.xfer.busy(id) }
