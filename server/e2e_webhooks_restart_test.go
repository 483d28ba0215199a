package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/store"
)

// TestWebhooksRestartResumes: a delivery still being retried when the panel stops is sent
// by the restarted panel: exactly one more request, and then it is delivered.
func TestWebhooksRestartResumes(t *testing.T) {
	dir := t.TempDir()
	env := apitest.Start(t, apitest.WithDataDir(dir), apitest.WithConfig(fastHooks))
	admin := env.AdminToken(t)
	rc := newReceiver(t)
	rc.setStatus(func(int, received) int { return http.StatusServiceUnavailable })
	h, s := createHook(t, env, admin, rc.srv.URL, "user.created")
	rc.setSecret(s)
	createUserAPI(t, env, admin, "restarted")
	rc.waitFor(t, "two failed attempts", func(got []received) bool { return len(got) >= 2 })
	// stops the engine: an attempt in flight is given back, not counted (the receiver may
	// have seen it: delivery is at least once)
	env.Panel.Close()

	before := len(rc.all())
	row := readDelivery(t, dir)
	if row.Status != "pending" || row.Attempts < 1 || row.LastStatusCode == nil || *row.LastStatusCode != http.StatusServiceUnavailable {
		t.Fatalf("after the stop: %+v", row)
	}
	rc.setStatus(func(int, received) int { return http.StatusOK })

	env2 := apitest.Start(t, apitest.WithDataDir(dir), apitest.WithConfig(fastHooks))
	d := waitDeliveries(t, env2, env2.AdminToken(t), h.Id, "the delivery after the restart", allDelivered(1))[0]
	got := rc.all()
	if len(got) != before+1 || d.Attempts != row.Attempts+1 {
		t.Fatalf("after the restart: %d requests (%d before), attempts %d (%d before)", len(got), before, d.Attempts, row.Attempts)
	}
	if got[len(got)-1].Payload.Id != got[0].Payload.Id {
		t.Fatalf("the restarted panel sent another event: %s vs %s", got[len(got)-1].Body, got[0].Body)
	}
}

// readDelivery reads the only delivery row of a stopped panel's data folder.
func readDelivery(t *testing.T, dir string) *ent.WebhookDelivery {
	t.Helper()
	st, err := store.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	row, err := st.Client.WebhookDelivery.Query().Only(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return row
}

// TestWebhooksHangingEndpoint: an endpoint that never answers holds at most PerEndpoint
// requests; another endpoint gets every event meanwhile, and the API calls that made the
// events return without waiting for either.
func TestWebhooksHangingEndpoint(t *testing.T) {
	env := apitest.Start(t, apitest.WithConfig(func(c *server.Config) {
		fastHooks(c)
		c.Webhooks.Timeout = 10 * time.Minute // the hang outlasts the test
		c.Webhooks.PerEndpoint = 2
	}))
	admin := env.AdminToken(t)
	slow, fast := newReceiver(t), newReceiver(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // before the receivers close (cleanups run last-first)
	slow.setStatus(func(int, received) int { <-release; return http.StatusOK })
	hs, s := createHook(t, env, admin, slow.srv.URL, "user.created")
	slow.setSecret(s)
	hf, s := createHook(t, env, admin, fast.srv.URL, "user.created")
	fast.setSecret(s)

	const users = 6
	for i := range users {
		createUserAPI(t, env, admin, "hang"+string(rune('a'+i)))
	}
	waitDeliveries(t, env, admin, hf.Id, "every delivery to the answering endpoint", allDelivered(users))
	slow.waitFor(t, "the hanging endpoint's two requests", func(got []received) bool { return len(got) == 2 })
	if n := len(slow.all()); n != 2 {
		t.Fatalf("the hanging endpoint got %d requests, want PerEndpoint = 2", n)
	}
	for _, d := range deliveries(t, env, admin, hs.Id) {
		if d.Status != api.WebhookDeliveryStatusPending || d.Attempts != 0 {
			t.Fatalf("a delivery to the hanging endpoint is %s after %d attempts", d.Status, d.Attempts)
		}
	}
}
