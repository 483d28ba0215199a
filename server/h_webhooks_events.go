package server

import (
	"context"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/server"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/server/webhook"
)

// Where each webhook event is recorded (server/webhook delivers them):
//   - server.deleted: in the transaction that deletes the row (deleteServerRow);
//   - server.created: right after the node created the server (the row is removed again
//     when the node refuses, so the insert's transaction is too early);
//   - user.created: right after the insert (a failed insert is followed by look-ups that a
//     PostgreSQL transaction would refuse).
//
// "Right after" events are written with the request's context detached from its
// cancellation, so a client that hangs up does not lose them; a failure is logged.

// fire records an event outside any transaction.
func (a *App) fire(ctx context.Context, typ string, data gen.WebhookEventData) {
	a.hooks.Fire(ctx, webhook.Event{Type: typ, Data: data})
}

// hookServer is a server as the payloads name it.
func hookServer(s *ent.Server, state string) *gen.WebhookServer {
	out := &gen.WebhookServer{Id: s.ID, Name: s.Name, OwnerId: int64(s.OwnerID), NodeId: int64(s.NodeID)}
	if state != "" {
		st := gen.ServerState(state)
		out.State = &st
	}
	return out
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
			Data: gen.WebhookEventData{Server: hookServer(s, "")}})
	})
}
