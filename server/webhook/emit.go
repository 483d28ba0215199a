package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/webhook"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/server/store"
)

// Event types (the spec's WebhookEventType).
const (
	ServerCreated       = string(gen.WebhookEventTypeServerCreated)
	ServerInstalled     = string(gen.WebhookEventTypeServerInstalled)
	ServerInstallFailed = string(gen.WebhookEventTypeServerInstallFailed)
	ServerStarted       = string(gen.WebhookEventTypeServerStarted)
	ServerStopped       = string(gen.WebhookEventTypeServerStopped)
	ServerCrashed       = string(gen.WebhookEventTypeServerCrashed)
	ServerSuspended     = string(gen.WebhookEventTypeServerSuspended)
	ServerDeleted       = string(gen.WebhookEventTypeServerDeleted)
	BackupCompleted     = string(gen.WebhookEventTypeBackupCompleted)
	BackupFailed        = string(gen.WebhookEventTypeBackupFailed)
	UserCreated         = string(gen.WebhookEventTypeUserCreated)
	NodeOffline         = string(gen.WebhookEventTypeNodeOffline)
	NodeOnline          = string(gen.WebhookEventTypeNodeOnline)
	// AllEvents in a webhook's filter matches every event.
	AllEvents = "*"
)

// Events lists every event type, in the spec's order.
var Events = []string{ServerCreated, ServerInstalled, ServerInstallFailed, ServerStarted, ServerStopped,
	ServerCrashed, ServerSuspended, ServerDeleted, BackupCompleted, BackupFailed, UserCreated, NodeOffline,
	NodeOnline}

// Event is something that happened, to deliver to the endpoints that want it.
type Event struct {
	Type string
	Data gen.WebhookEventData
}

// ServerPayload is a server as the payloads name it (state "": not given).
func ServerPayload(s *ent.Server, state string) *gen.WebhookServer {
	out := &gen.WebhookServer{Id: s.ID, Name: s.Name, OwnerId: int64(s.OwnerID), NodeId: int64(s.NodeID)}
	if state != "" {
		st := gen.ServerState(state)
		out.State = &st
	}
	return out
}

// Emit records one delivery per active webhook whose filter matches ev, with the payload
// fixed now, in c (the store's client, or a transaction's: use EmitTx then). It does not
// send anything; call Wake once the rows are committed.
func (e *Engine) Emit(ctx context.Context, c *ent.Client, ev Event) (int, error) {
	if !slices.Contains(Events, ev.Type) {
		return 0, fmt.Errorf("%w: %q", ErrUnknownEvent, ev.Type)
	}
	hooks, err := c.Webhook.Query().Where(webhook.Active(true)).Select(webhook.FieldID, webhook.FieldEvents).All(ctx)
	if err != nil {
		return 0, fmt.Errorf("webhooks of %s: %w", ev.Type, err)
	}
	now := time.Now().UTC()
	p := gen.WebhookPayload{Id: "evt_" + store.RandomString(12), Event: gen.WebhookEventType(ev.Type),
		CreatedAt: now, Data: ev.Data}
	body, err := json.Marshal(p)
	if err != nil {
		return 0, fmt.Errorf("payload of %s: %w", ev.Type, err)
	}
	var rows []*ent.WebhookDeliveryCreate
	for _, h := range hooks {
		if !slices.Contains(h.Events, ev.Type) && !slices.Contains(h.Events, AllEvents) {
			continue
		}
		rows = append(rows, c.WebhookDelivery.Create().SetWebhookID(h.ID).SetEvent(ev.Type).
			SetEventID(p.Id).SetPayload(body).SetNextAttemptAt(now).SetRetryUntil(now.Add(e.cfg.RetryFor)))
	}
	if len(rows) == 0 {
		return 0, nil
	}
	if err := c.WebhookDelivery.CreateBulk(rows...).Exec(ctx); err != nil {
		return 0, fmt.Errorf("deliveries of %s: %w", ev.Type, err)
	}
	return len(rows), nil
}

// EmitTx records ev in tx and wakes the dispatcher when tx commits.
func (e *Engine) EmitTx(ctx context.Context, tx *ent.Tx, ev Event) error {
	if e == nil {
		return nil
	}
	n, err := e.Emit(ctx, tx.Client(), ev)
	if err == nil && n > 0 {
		tx.OnCommit(func(next ent.Committer) ent.Committer {
			return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
				err := next.Commit(ctx, tx)
				if err == nil {
					e.Wake()
				}
				return err
			})
		})
	}
	return err
}

// Fire records ev outside any transaction and wakes the dispatcher; errors are logged (an
// event that happened is never undone because its webhook rows could not be written).
func (e *Engine) Fire(ctx context.Context, ev Event) {
	if e == nil {
		return
	}
	n, err := e.Emit(context.WithoutCancel(ctx), e.client, ev)
	if err != nil {
		e.log.Error("record webhook event", "event", ev.Type, "err", err)
		return
	}
	if n > 0 {
		e.Wake()
	}
}

// Wake tells the dispatcher that new deliveries may be due (never blocks).
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}
