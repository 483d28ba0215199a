package webhook

import (
	"context"
	"testing"
	"time"

	"github.com/skypanel/skypanel/ent/webhookdelivery"
	"github.com/skypanel/skypanel/server/store"
)

// TestPrune: finished deliveries older than Retention go; pending ones and recent ones stay.
func TestPrune(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := New(st.Client, st.Keys.Seal, Config{Retention: time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := st.Client.Webhook.Create().SetURL("http://127.0.0.1:9/").SetEvents([]string{"*"}).SaveX(ctx)
	old, now := time.Now().UTC().Add(-2*time.Hour), time.Now().UTC()
	add := func(status webhookdelivery.Status, created time.Time) int {
		return st.Client.WebhookDelivery.Create().SetWebhookID(h.ID).SetEvent(UserCreated).SetEventID("evt_x").
			SetPayload([]byte("{}")).SetStatus(status).SetCreatedAt(created).SetRetryUntil(now).SaveX(ctx).ID
	}
	gone := []int{add(webhookdelivery.StatusDelivered, old), add(webhookdelivery.StatusFailed, old)}
	kept := []int{add(webhookdelivery.StatusPending, old), add(webhookdelivery.StatusDelivered, now)}
	e.prune(ctx)
	for _, id := range gone {
		if st.Client.WebhookDelivery.Query().Where(webhookdelivery.ID(id)).ExistX(ctx) {
			t.Errorf("delivery %d was kept", id)
		}
	}
	for _, id := range kept {
		if !st.Client.WebhookDelivery.Query().Where(webhookdelivery.ID(id)).ExistX(ctx) {
			t.Errorf("delivery %d was pruned", id)
		}
	}
}
