package server

import (
	"context"
	"errors"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/backup"
	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/server"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/gen/daemonapi"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/webhook"
)

// Where each webhook event is recorded (server/webhook delivers them):
//   - server.deleted, server.suspended: in the transaction that deletes the row or sets the
//     flag (deleteServerRow, setSuspended);
//   - server.created: right after the node created the server (the row is removed again
//     when the node refuses, so the insert's transaction is too early);
//   - user.created: right after the insert (a failed insert is followed by look-ups that a
//     PostgreSQL transaction would refuse);
//   - server.installed, server.install_failed, server.started, server.stopped,
//     server.crashed: by the webhook.Watcher, from the node's event stream of each server;
//   - backup.completed, backup.failed: followBackup polls a backup the API started;
//   - node.offline, node.online: the node registry's transitions (nodeChanged).
//
// "Right after" events are written with the request's context detached from its
// cancellation, so a client that hangs up does not lose them; a failure is logged.

// fire records an event outside any transaction.
func (a *App) fire(ctx context.Context, typ string, data gen.WebhookEventData) {
	a.hooks.Fire(ctx, webhook.Event{Type: typ, Data: data})
}

func hookUser(u *ent.User) *gen.WebhookUser {
	return &gen.WebhookUser{Id: int64(u.ID), Username: u.Username, Email: u.Email, Admin: u.Admin}
}

// deleteServerRow deletes a server's row and records server.deleted in one transaction (once:
// a concurrent delete that found no row records nothing).
func (a *App) deleteServerRow(ctx context.Context, s *ent.Server) error {
	return withTx(ctx, a.store.Client, func(tx *ent.Tx) error {
		n, err := tx.Server.Delete().Where(server.ID(s.ID)).Exec(ctx)
		if err != nil || n == 0 {
			return err
		}
		return a.hooks.EmitTx(ctx, tx, webhook.Event{Type: webhook.ServerDeleted,
			Data: gen.WebhookEventData{Server: webhook.ServerPayload(s, "")}})
	})
}

// nodeChanged records node.offline / node.online for a remote node the registry saw go down
// or answer again.
func (p *Panel) nodeChanged(ctx context.Context, nodeID int, up bool, cause error) {
	n, err := p.Store.Client.Node.Get(ctx, nodeID)
	if err != nil {
		p.log.Warn("node event for an unknown node", "node", nodeID, "err", err)
		return
	}
	data := gen.WebhookEventData{Node: &gen.WebhookNode{Id: int64(n.ID), Name: n.Name}}
	typ := webhook.NodeOnline
	if !up {
		typ = webhook.NodeOffline
		if cause != nil {
			msg := cause.Error()
			data.Error = &msg
		}
	}
	p.Webhooks.Fire(ctx, webhook.Event{Type: typ, Data: data})
}

// Polls of a running backup (followBackup): from the first to the longest interval, doubling,
// for at most backupFollowFor (a node gone for good must not keep a poller for ever).
const (
	backupPollFirst = 100 * time.Millisecond
	backupPollMax   = 5 * time.Second
	backupFollowFor = 24 * time.Hour
)

// followBackup records backup.completed or backup.failed when the node's backup ends. It
// polls the backup (nodes do not push backup events) under the webhook engine, so a panel
// shutdown ends it: a backup still running then gets no event; nor does one whose node stays
// unreachable for backupFollowFor (logged).
func (a *App) followBackup(nc node.Client, s *ent.Server, backupID string) {
	a.hooks.Go(func(ctx context.Context) {
		wait := backupPollFirst
		giveUp := time.After(backupFollowFor)
		for {
			select {
			case <-ctx.Done():
				return
			case <-giveUp:
				a.log.Warn("backup event dropped: the backup did not end within the time it is followed",
					"server", s.ID, "backup", backupID, "after", backupFollowFor)
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, backupPollMax)
			b, err := nc.GetBackup(ctx, s.ID, backupID)
			if errors.Is(err, daemon.ErrNotFound) || errors.Is(err, backup.ErrNotFound) {
				return // deleted (with its server, or by a user) before it ended
			}
			if err != nil || b.State == daemonapi.BackupStateRunning {
				continue // the node may be unavailable for a while
			}
			data := gen.WebhookEventData{Server: webhook.ServerPayload(s, ""), Backup: &gen.WebhookBackup{Id: b.Id}}
			typ := webhook.BackupCompleted
			if b.State == daemonapi.BackupStateFailed {
				typ = webhook.BackupFailed
				if b.Reason != "" {
					data.Error = &b.Reason
				}
			} else {
				data.Backup.Size = &b.Size
			}
			a.hooks.Fire(ctx, webhook.Event{Type: typ, Data: data})
			return
		}
	})
}
