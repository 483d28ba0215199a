package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/skypanel/skypanel/ent"
	entserver "github.com/skypanel/skypanel/ent/server"
	"github.com/skypanel/skypanel/server/node"
)

// Reconciler brings a node in line with the database, which is authoritative for
// definitions: every server the database places on the node gets its current definition
// (created when the node lacks it), and every server the node has that the database does not
// place there (deleted while the node was away, or moved by a transfer) is deleted. Runs are
// serialised per node. Its Reconcile is the Registry's ReconcileFunc.
type Reconciler struct {
	db  *ent.Client
	log *slog.Logger

	mu    sync.Mutex
	nodes map[int]*sync.Mutex // one per node
	held  map[string]int      // server ids a transfer holds → hold count
}

// NewReconciler returns a Reconciler over db.
func NewReconciler(db *ent.Client, log *slog.Logger) *Reconciler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Reconciler{db: db, log: log.With("component", "reconcile"), nodes: map[int]*sync.Mutex{},
		held: map[string]int{}}
}

// Hold keeps reconciles away from server id (on every node) until release is called: a
// transfer holds the server it is moving, which for a while exists on a node the database
// does not place it on.
func (r *Reconciler) Hold(id string) (release func()) {
	r.mu.Lock()
	r.held[id]++
	r.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			if r.held[id]--; r.held[id] <= 0 {
				delete(r.held, id)
			}
			r.mu.Unlock()
		})
	}
}

func (r *Reconciler) isHeld(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.held[id] > 0
}

func (r *Reconciler) nodeLock(id int) *sync.Mutex {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.nodes[id]
	if m == nil {
		m = &sync.Mutex{}
		r.nodes[id] = m
	}
	return m
}

// Reconcile brings node nodeID in line with the database through c. Every server is tried;
// the errors are joined (the Registry reconciles again at the next contact).
func (r *Reconciler) Reconcile(ctx context.Context, nodeID int, c node.Client) error {
	lock := r.nodeLock(nodeID)
	lock.Lock()
	defer lock.Unlock()
	want, err := r.db.Server.Query().Where(entserver.NodeID(nodeID)).Order(ent.Asc(entserver.FieldID)).All(ctx)
	if err != nil {
		return fmt.Errorf("reconcile node %d: %w", nodeID, err)
	}
	have, err := c.ListServers(ctx)
	if err != nil {
		return fmt.Errorf("reconcile node %d: %w", nodeID, err)
	}
	onNode := make(map[string]bool, len(have))
	for _, s := range have {
		onNode[s.Id] = true
	}
	inDB := make(map[string]bool, len(want))
	var errs []error
	var n reconcileCounts
	for _, s := range want {
		inDB[s.ID] = true
		if !r.isHeld(s.ID) {
			errs = append(errs, r.push(ctx, nodeID, c, s, onNode[s.ID], &n))
		}
	}
	for _, s := range have {
		if inDB[s.Id] || r.isHeld(s.Id) {
			continue
		}
		r.log.Info("removing a server the database does not place on this node", "node", nodeID, "server", s.Id)
		if err := c.DeleteServer(ctx, s.Id); err != nil {
			errs = append(errs, fmt.Errorf("delete %s: %w", s.Id, err))
		} else {
			n.deleted++
		}
	}
	err = errors.Join(errs...)
	r.log.Info("node reconciled", "node", nodeID, "updated", n.updated, "created", n.created, "deleted", n.deleted, "err", err)
	if err != nil {
		return fmt.Errorf("reconcile node %d: %w", nodeID, err)
	}
	return nil
}

type reconcileCounts struct{ updated, created, deleted int }

// push sends s's definition to the node: an update, or a create when the node lacks it.
func (r *Reconciler) push(ctx context.Context, nodeID int, c node.Client, s *ent.Server, onNode bool, n *reconcileCounts) error {
	def, err := definitionOf(ctx, r.db, s)
	if err != nil {
		return fmt.Errorf("definition of %s: %w", s.ID, err)
	}
	if onNode {
		if _, err := c.UpdateServer(ctx, def); err != nil {
			return fmt.Errorf("update %s: %w", s.ID, err)
		}
		n.updated++
		return nil
	}
	r.log.Warn("a server of this node is missing on it: created again, its files are gone", "node", nodeID, "server", s.ID)
	if err := c.CreateServer(ctx, def); err != nil {
		return fmt.Errorf("create %s: %w", s.ID, err)
	}
	n.created++
	return nil
}
