package node

import (
	"context"
	"fmt"
	"sync"

	"github.com/skypanel/skypanel/ent"
	entnode "github.com/skypanel/skypanel/ent/node"
)

// Poll checks the health of every remote node once (in parallel, each within PollTimeout) and
// forgets nodes no longer in the database.
func (r *Registry) Poll(ctx context.Context) {
	nodes, err := r.opts.DB.Node.Query().Where(entnode.Local(false)).All(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("listing nodes to poll", "err", err)
		}
		return
	}
	keep := make(map[int]bool, len(nodes))
	var wg sync.WaitGroup
	for _, n := range nodes {
		keep[n.ID] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = r.pollNode(ctx, n) // the outcome is recorded in the node's state (up or down)
		}()
	}
	wg.Wait()
	r.mu.Lock()
	for id := range r.nodes {
		if !keep[id] {
			delete(r.nodes, id)
		}
	}
	r.mu.Unlock()
}

// PollNode checks one node's health now (a check-in, a test).
func (r *Registry) PollNode(ctx context.Context, nodeID int) error {
	n, err := r.opts.DB.Node.Get(ctx, nodeID)
	if err != nil {
		return err
	}
	if n.Local {
		return nil
	}
	return r.pollNode(ctx, n)
}

// pollNode asks n for its health: an answer from the right node marks it up and, on the first
// contact, a new bootId or a return, schedules a reconcile; anything else marks it down.
func (r *Registry) pollNode(ctx context.Context, n *ent.Node) error {
	r.mu.Lock()
	st, err := r.stateLocked(n)
	var rem *Remote
	if err == nil {
		rem = st.remote
	}
	r.mu.Unlock()
	if err != nil { // stateLocked forgot the node: nothing to mark down
		return Unavailable(n.ID, err)
	}
	pctx, cancel := context.WithTimeout(ctx, r.opts.PollTimeout)
	h, err := rem.Health(pctx)
	cancel()
	if err == nil && h.NodeId != n.ID {
		err = Unavailable(n.ID, fmt.Errorf("%w: %s answers as node %d", ErrProtocol, rem.Address(), h.NodeId))
	}
	if err != nil {
		if ctx.Err() == nil {
			r.markDown(n.ID, err) // also for errors that are not "unavailable" (a refused token)
			rem.Abort(err)        // calls in flight (long ones, streams) end now
		}
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.nodes[n.ID] != st || st.remote != rem {
		return nil // rebuilt meanwhile: the next poll decides
	}
	if st.down {
		r.log.Info("node answers again", "node", n.ID, "address", rem.Address())
		r.changedLocked(n.ID, true, nil)
	}
	due := st.down || st.stale || st.bootID != h.BootId
	st.down, st.cause, st.bootID = false, nil, h.BootId
	if due && r.opts.Reconcile != nil {
		r.reconcileLocked(n.ID, st)
	}
	return nil
}

// CheckIn hears a daemon's check-in: a bootId the registry has not seen polls the node at
// once (and so reconciles it) instead of at the next poll.
func (r *Registry) CheckIn(_ context.Context, nodeID int, bootID string) {
	r.mu.Lock()
	st := r.nodes[nodeID]
	known := st != nil && !st.down && st.bootID == bootID
	r.mu.Unlock()
	if known {
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if err := r.PollNode(r.ctx, nodeID); err != nil && r.ctx.Err() == nil {
			r.log.Info("polling a node after its check-in", "node", nodeID, "err", err)
		}
	}()
}

// reconcileLocked runs Reconcile for node id in a goroutine, or asks the running one to go
// again. r.mu is held.
func (r *Registry) reconcileLocked(id int, st *nodeState) {
	st.stale = true
	if st.reconciles {
		st.again = true
		return
	}
	st.reconciles = true
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			r.mu.Lock()
			st.again = false
			rem := st.remote
			r.mu.Unlock()
			err := r.opts.Reconcile(r.ctx, id, rem)
			if err != nil && r.ctx.Err() == nil {
				r.log.Warn("reconciling node", "node", id, "err", err)
			}
			r.mu.Lock()
			if err == nil && !st.again {
				st.stale = false
			}
			if !st.again || r.ctx.Err() != nil {
				st.reconciles = false
				r.mu.Unlock()
				return
			}
			r.mu.Unlock()
		}
	}()
}
