package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skypanel/skypanel/ent/webhookdelivery"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/server/store"
)

// BenchmarkEmitDeliver: one event recorded for 4 endpoints (Emit: the part a request pays)
// and, with -benchtime large enough, the deliveries sent to a loopback receiver.
func BenchmarkEmitDeliver(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	e, err := New(st.Client, st.Keys.Seal, Config{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	for range 4 {
		h := st.Client.Webhook.Create().SetURL(srv.URL).SetEvents([]string{"*"}).SaveX(ctx)
		h.Update().SetSecretEnc(e.SealSecret(h.ID, NewSecret())).ExecX(ctx)
	}
	e.Start()
	defer e.Close()
	ev := Event{Type: UserCreated, Data: gen.WebhookEventData{User: &gen.WebhookUser{Id: 1, Username: "bench",
		Email: "bench@example.com"}}}
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Emit(ctx, st.Client, ev); err != nil {
			b.Fatal(err)
		}
		e.Wake()
	}
	b.StopTimer()
	for st.Client.WebhookDelivery.Query().Where(webhookdelivery.StatusEQ(webhookdelivery.StatusPending)).CountX(ctx) > 0 {
		time.Sleep(time.Millisecond) // the engine drains the backlog
	}
	b.ReportMetric(float64(got.Load())/float64(b.N), "deliveries/op")
}
