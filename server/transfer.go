package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/server"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/gen/daemonapi"
	"github.com/skypanel/skypanel/server/node"
)

// transfers are the server transfers running in this panel, by server id. The zero value is
// ready; the App owns the goroutines and CloseTransfers waits for them.
type transfers struct {
	mu      sync.Mutex
	running map[string]context.CancelFunc
	closed  bool
	wg      sync.WaitGroup
}

// start runs fn for server id on a goroutine owned by the App; false when a transfer of the
// server runs already or the panel is shutting down.
func (t *transfers) start(id string, fn func(ctx context.Context)) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || t.running[id] != nil {
		return false
	}
	if t.running == nil {
		t.running = map[string]context.CancelFunc{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.running[id] = cancel
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer func() {
			t.mu.Lock()
			delete(t.running, id)
			t.mu.Unlock()
			cancel()
		}()
		fn(ctx)
	}()
	return true
}

// busy reports whether a transfer of server id runs.
func (t *transfers) busy(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.running[id] != nil
}

// CloseTransfers refuses new transfers, cancels the running ones (each fails: the server stays
// whole on its source and is started again if it ran) and waits for them until ctx ends.
func (a *App) CloseTransfers(ctx context.Context) error {
	t := &a.xfer
	t.mu.Lock()
	t.closed = true
	for _, cancel := range t.running {
		cancel()
	}
	t.mu.Unlock()
	done := make(chan struct{})
	go func() {
		t.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// busyDuringTransfer are the operations refused with 409 ErrServerBusy while the server is
// being transferred: everything that changes its state, files, backups or definition.
var busyDuringTransfer = []string{"createServer", "deleteServer", "editServerDefinition", "startServer",
	"stopServer", "restartServer", "killServer", "installServer", "transferServer", "putServerFile",
	"createBackup", "restoreBackup", "deleteBackup"}

// transferGuard is a strict middleware: the operations of busyDuringTransfer on a server being
// transferred answer 409 ErrServerBusy — to callers who may see the server (others get the
// handler's 404). It runs inside detachContext (listed before it): its database query may
// outlive the pooled *gin.Context.
func (a *App) transferGuard(f gen.StrictHandlerFunc, op string) gen.StrictHandlerFunc {
	// the strict server names operations as Go does (StartServer for startServer)
	if !slices.ContainsFunc(busyDuringTransfer, func(id string) bool { return strings.EqualFold(id, op) }) {
		return f
	}
	return func(c *gin.Context, req any) (any, error) {
		id := c.Param("serverId")
		if id == "" || !a.xfer.busy(id) {
			return f(c, req)
		}
		if _, err := (&Handlers{a: a}).serverByID(c, id); err != nil {
			return f(c, req)
		}
		return nil, newAPIError(http.StatusConflict, CodeServerBusy,
			fmt.Sprintf("server %s is being transferred to another node; try again when the transfer is over", id), nil)
	}
}

// TransferServer moves a server to another node (admin only): it checks the request, marks
// the server busy and answers 202; the transfer runs on a goroutine the App owns.
func (h *Handlers) TransferServer(ctx context.Context, req gen.TransferServerRequestObject) (gen.TransferServerResponseObject, error) {
	j, err := h.prepareTransfer(ctx, req.ServerId, req.Body.NodeId)
	if err != nil {
		return nil, err
	}
	// reconciles leave the server alone while it exists on a node the database does not say
	release := func() {}
	if h.a.reconciler != nil {
		release = h.a.reconciler.Hold(j.id)
	}
	if !h.a.xfer.start(j.id, func(ctx context.Context) { defer release(); j.run(ctx) }) {
		release()
		return nil, newAPIError(http.StatusConflict, CodeServerBusy,
			fmt.Sprintf("server %s is being transferred already", j.id), nil)
	}
	return gen.TransferServer202Response{}, nil
}

// prepareTransfer checks a transfer request: the target exists, is not the server's node, has
// the port free and the environment, and both nodes answer; the server is not installing.
func (h *Handlers) prepareTransfer(ctx context.Context, id string, target int) (*transferJob, error) {
	db := h.a.store.Client
	s, err := h.serverByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if target == s.NodeID {
		return nil, errFieldInvalid("nodeId", fmt.Sprintf("server %s is on node %d already", id, target))
	}
	dstNode, err := db.Node.Get(ctx, target)
	if ent.IsNotFound(err) {
		return nil, errFieldInvalid("nodeId", fmt.Sprintf("node %d does not exist", target))
	} else if err != nil {
		return nil, err
	}
	srcNode, err := db.Node.Get(ctx, s.NodeID)
	if err != nil {
		return nil, err
	}
	taken, err := db.Server.Query().Where(server.NodeID(target), server.Port(s.Port)).Exist(ctx)
	if err != nil {
		return nil, err
	}
	if taken {
		return nil, errConflict(fmt.Sprintf("port %d is used by another server on node %d", s.Port, target),
			map[string]any{"field": "port"})
	}
	dst, err := h.clientOf(ctx, dstNode)
	if err != nil {
		return nil, err
	}
	src, err := h.clientOf(ctx, srcNode)
	if err != nil {
		return nil, err
	}
	if err := checkTransferTarget(ctx, dst, target, s.EnvironmentType); err != nil {
		return nil, err
	}
	st, err := src.Status(ctx, id)
	if err != nil {
		return nil, err
	}
	if st.State == daemonapi.StateInstalling {
		return nil, newAPIError(http.StatusConflict, CodeServerBusy, fmt.Sprintf("server %s is installing", id), nil)
	}
	def, err := definitionOf(ctx, db, s)
	if err != nil {
		return nil, err
	}
	return &transferJob{db: db, log: h.a.log.With("transfer", id), id: id, def: def, src: src, dst: dst,
		srcID: srcNode.ID, dstID: dstNode.ID}, nil
}

// checkTransferTarget refuses a target that cannot run the server's environment.
func checkTransferTarget(ctx context.Context, dst node.Client, nodeID int, env string) error {
	f, err := dst.Features(ctx)
	if err != nil {
		return err
	}
	if slices.Contains(f.Environments, daemonapi.Environment(env)) {
		return nil
	}
	reason := "not available"
	switch {
	case env == string(daemonapi.EnvironmentDocker) && f.DockerReason != nil:
		reason = *f.DockerReason
	case env == string(daemonapi.EnvironmentStandard) && f.StandardReason != nil:
		reason = *f.StandardReason
	}
	return errFieldInvalid("nodeId", fmt.Sprintf("node %d cannot run %s servers: %s", nodeID, env, reason))
}
