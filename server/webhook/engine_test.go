package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
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

// TestDispatchSaturated: with every worker busy and a full batch of due rows left, dispatch
// waits for a wake (a finished attempt) instead of passing again at once, which would read
// the same rows again and again until a worker is free.
func TestDispatchSaturated(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hang)
	e, err := New(st.Client, st.Keys.Seal, Config{Workers: 1, PerEndpoint: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	h := st.Client.Webhook.Create().SetURL(srv.URL).SetEvents([]string{"*"}).SaveX(ctx)
	h.Update().SetSecretEnc(e.SealSecret(h.ID, NewSecret())).ExecX(ctx)
	now := time.Now().UTC()
	for range dispatchBatch + 8 {
		st.Client.WebhookDelivery.Create().SetWebhookID(h.ID).SetEvent(UserCreated).SetEventID("evt_x").
			SetPayload([]byte("{}")).SetNextAttemptAt(now.Add(-time.Second)).SetRetryUntil(now.Add(time.Hour)).
			ExecX(ctx)
	}
	if wait := e.dispatch(e.ctx); wait <= 0 {
		t.Fatalf("dispatch with its only worker busy waits %s, want a wait for the worker", wait)
	}
	e.mu.Lock()
	running := e.running
	e.mu.Unlock()
	if running != 1 {
		t.Fatalf("%d attempts running, want 1", running)
	}
	if wait := e.dispatch(e.ctx); wait <= 0 {
		t.Fatalf("second pass with the worker busy waits %s, want a wait for the worker", wait)
	}
}
