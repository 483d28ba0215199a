package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/daemon/transfer"
	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/server"
	"github.com/skypanel/skypanel/gen/daemonapi"
	"github.com/skypanel/skypanel/server/node"
)

// Transfer timing: how often the source's state is read while it stops, how long it may take
// to stop, and how long the clean-up after a failure may take.
const (
	transferPoll        = 250 * time.Millisecond
	transferStopWait    = 5 * time.Minute
	transferCleanupWait = 2 * time.Minute
)

// errTransferChecksum: the source, the panel and the target saw different streams.
var errTransferChecksum = errors.New("the transferred archive's checksums differ")

// transferJob moves one server from its node (src) to another (dst); see transferServer in
// openapi.yaml. run never leaves the server on two nodes in the database: until the switch it
// belongs to src (a failure deletes what was made on dst and starts it again on src when it
// ran), after it to dst (the copy on src is deleted; when that fails, the reconcile of src
// deletes it later).
type transferJob struct {
	db           *ent.Client
	log          *slog.Logger
	id           string
	def          daemonapi.Definition // the server's definition, created on dst
	src, dst     node.Client
	srcID, dstID int

	wasRunning bool // the server ran (or started) when the transfer began
	created    bool // CreateServer was called on dst
	moved      int64
	began      time.Time
}

// run moves the server and reports the outcome on its console and in the log.
func (j *transferJob) run(ctx context.Context) {
	j.began = time.Now()
	j.say(ctx, j.src, "Transfer to node %d started", j.dstID)
	err := j.move(ctx)
	if err == nil {
		return
	}
	j.log.Error("transfer failed; the server stays on its node", "server", j.id, "from", j.srcID, "to", j.dstID, "err", err)
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), transferCleanupWait)
	defer cancel()
	if j.created {
		if derr := j.dst.DeleteServer(cctx, j.id); derr != nil {
			j.log.Error("transfer clean-up: delete on the target failed; its reconcile removes the copy",
				"server", j.id, "node", j.dstID, "err", derr)
		}
	}
	j.say(cctx, j.src, "Transfer to node %d failed: %v. The server stays on this node.", j.dstID, err)
	if j.wasRunning {
		if serr := j.src.Power(cctx, j.id, daemonapi.PowerRequestActionStart); serr != nil {
			j.log.Error("transfer clean-up: start on the source failed", "server", j.id, "node", j.srcID, "err", serr)
			j.say(cctx, j.src, "Could not start the server again: %v", serr)
		}
	}
}

// move runs the steps up to the switch and the clean-up of the source after it.
func (j *transferJob) move(ctx context.Context) error {
	if err := j.stopSource(ctx); err != nil {
		return err
	}
	j.created = true // CreateServer leaves nothing on error, but an earlier attempt may have
	if err := j.dst.CreateServer(ctx, j.def); err != nil {
		return fmt.Errorf("create the server on node %d: %w", j.dstID, err)
	}
	if err := j.stream(ctx); err != nil {
		return err
	}
	if err := j.switchNode(ctx); err != nil {
		return err
	}
	// the server is on dst now: what follows is done even when the panel shuts down
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), transferCleanupWait)
	defer cancel()
	j.log.Info("server transferred", "server", j.id, "from", j.srcID, "to", j.dstID, "bytes", j.moved,
		"took", time.Since(j.began))
	j.say(ctx, j.dst, "Transfer from node %d done: %s moved in %s", j.srcID, transfer.Size(j.moved),
		time.Since(j.began).Round(time.Second))
	// sockets still follow the source: they read this before the copy there is deleted
	j.say(ctx, j.src, "Transfer to node %d done; the server is on node %d now", j.dstID, j.dstID)
	if err := j.src.DeleteServer(ctx, j.id); err != nil {
		j.log.Warn("transfer: deleting the source copy failed; the source's reconcile removes it",
			"server", j.id, "node", j.srcID, "err", err)
	}
	if j.wasRunning {
		if err := j.dst.Power(ctx, j.id, daemonapi.PowerRequestActionStart); err != nil {
			j.log.Error("transfer: start on the target failed", "server", j.id, "node", j.dstID, "err", err)
			j.say(ctx, j.dst, "Could not start the server after the transfer: %v", err)
		}
	}
	return nil
}

// stopSource stops the server on src (when it runs) and waits until it is stopped.
func (j *transferJob) stopSource(ctx context.Context) error {
	st, err := j.src.Status(ctx, j.id)
	if err != nil {
		return fmt.Errorf("read the server's state: %w", err)
	}
	if stopped(st) {
		return nil
	}
	j.wasRunning = true
	j.say(ctx, j.src, "Transfer: stopping the server")
	if err := j.src.Power(ctx, j.id, daemonapi.PowerRequestActionStop); err != nil {
		return fmt.Errorf("stop the server: %w", err)
	}
	wctx, cancel := context.WithTimeout(ctx, transferStopWait)
	defer cancel()
	tick := time.NewTicker(transferPoll)
	defer tick.Stop()
	for {
		select {
		case <-wctx.Done():
			return fmt.Errorf("waiting for the server to stop: %w", wctx.Err())
		case <-tick.C:
		}
		st, err := j.src.Status(wctx, j.id)
		if err != nil {
			return fmt.Errorf("read the server's state: %w", err)
		}
		if stopped(st) {
			return nil
		}
	}
}

// stopped reports whether no process of the server runs and nothing is about to start one.
func stopped(st daemonapi.Status) bool {
	switch st.State {
	case daemonapi.StateStarting, daemonapi.StateStopping, daemonapi.StateInstalling:
		return false
	}
	return !st.Running
}

// stream pipes src's export into dst's import (io.Pipe: nothing is buffered) while hashing
// what passes, then compares the three sha256s.
func (j *transferJob) stream(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	tee := transfer.NewHashWriter(pw)
	var srcSum string
	var srcErr error
	var srcFailed atomic.Bool // the export failed before the import ended: it is the cause
	done := make(chan struct{})
	go func() { // owned here: stream waits for it below
		defer close(done)
		srcSum, srcErr = j.src.Export(ctx, j.id, tee)
		srcFailed.Store(srcErr != nil)
		_ = pw.CloseWithError(srcErr) // nil: the import reads EOF
	}()
	res, dstErr := j.dst.Import(ctx, j.id, pr, "")
	exportFirst := srcFailed.Load()
	if dstErr != nil {
		cancel() // the export stops at its next write
	}
	_ = pr.CloseWithError(fmt.Errorf("the import on node %d ended", j.dstID))
	<-done
	j.moved = tee.Bytes()
	switch {
	case srcErr != nil && (exportFirst || dstErr == nil):
		return fmt.Errorf("export from node %d: %w", j.srcID, srcErr)
	case dstErr != nil:
		return fmt.Errorf("import on node %d: %w", j.dstID, dstErr)
	}
	panelSum := tee.Sum()
	if srcSum != panelSum || res.Sha256 != panelSum || res.Bytes != j.moved {
		return fmt.Errorf("%w: node %d sent %s, the panel passed %s (%d bytes), node %d received %s (%d bytes)",
			errTransferChecksum, j.srcID, srcSum, panelSum, j.moved, j.dstID, res.Sha256, res.Bytes)
	}
	return nil
}

// switchNode moves the server to dst in the database, only if it is still on src.
func (j *transferJob) switchNode(ctx context.Context) error {
	return withTx(ctx, j.db, func(tx *ent.Tx) error {
		n, err := tx.Server.Update().Where(server.ID(j.id), server.NodeID(j.srcID)).SetNodeID(j.dstID).Save(ctx)
		if err != nil {
			return fmt.Errorf("switch the server to node %d: %w", j.dstID, err)
		}
		if n != 1 {
			return fmt.Errorf("switch the server to node %d: it is no longer on node %d", j.dstID, j.srcID)
		}
		return nil
	})
}

// say writes a daemon line to the server's console on n, when n can (nodeapi.Noticer).
func (j *transferJob) say(ctx context.Context, n node.Client, format string, args ...any) {
	no, ok := n.(nodeapi.Noticer)
	if !ok {
		return
	}
	if err := no.Notice(ctx, j.id, fmt.Sprintf(format, args...)); err != nil {
		j.log.Debug("transfer: console notice not written", "server", j.id, "err", err)
	}
}
