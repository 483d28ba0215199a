package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/webhook"
)

// hookWaitLimit only turns a hang into a failure; no assertion depends on time.
const hookWaitLimit = 60 * time.Second

// fastHooks retries quickly so tests see several attempts.
func fastHooks(c *server.Config) {
	c.Webhooks = webhook.Config{BaseBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		Poll: 50 * time.Millisecond, Timeout: 5 * time.Second}
}

// received is one request a receiver got.
type received struct {
	Header  http.Header
	Body    []byte
	Payload api.WebhookPayload
}

// receiver is a webhook endpoint on loopback. Every request is checked: its signature
// verifies with the secret, its body is a WebhookPayload valid against openapi.yaml and its
// headers agree with it. status decides each answer (nil: 204).
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	secret []byte
	got    []received
	status func(n int, r received) int // n: 1-based request number
	notify chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t, notify: make(chan struct{}, 1)}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		rc.t.Errorf("receiver: read body: %v", err)
		return
	}
	rc.mu.Lock()
	secret := rc.secret
	rc.mu.Unlock()
	ts, sig := r.Header.Get(webhook.HeaderTimestamp), r.Header.Get(webhook.HeaderSignature)
	if err := webhook.Verify(secret, ts, sig, body, 5*time.Minute, time.Now()); err != nil {
		rc.t.Errorf("receiver: %v (timestamp %q signature %q)", err, ts, sig)
	}
	if err := checkPayload(body); err != nil {
		rc.t.Errorf("receiver: body %s: %v", body, err)
	}
	var p api.WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		rc.t.Errorf("receiver: decode %s: %v", body, err)
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" ||
		r.Header.Get(webhook.HeaderEvent) != string(p.Event) || r.Header.Get(webhook.HeaderDelivery) == "" {
		rc.t.Errorf("receiver: %s with headers %v for %s", r.Method, r.Header, body)
	}
	got := received{Header: r.Header.Clone(), Body: body, Payload: p}
	rc.mu.Lock()
	rc.got = append(rc.got, got)
	n, status := len(rc.got), rc.status
	rc.mu.Unlock()
	select {
	case rc.notify <- struct{}{}:
	default:
	}
	code := http.StatusNoContent
	if status != nil {
		code = status(n, got)
	}
	w.WriteHeader(code)
}

// checkPayload validates a delivery body against the spec's WebhookPayload schema.
func checkPayload(body []byte) error {
	doc, err := apitest.Spec()
	if err != nil {
		return err
	}
	ref := doc.Components.Schemas["WebhookPayload"]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("no WebhookPayload schema")
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	return ref.Value.VisitJSON(v)
}

func (rc *receiver) setSecret(s string) {
	rc.mu.Lock()
	rc.secret = []byte(s)
	rc.mu.Unlock()
}

func (rc *receiver) setStatus(f func(n int, r received) int) {
	rc.mu.Lock()
	rc.status = f
	rc.mu.Unlock()
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// waitFor waits until cond holds over the requests received so far.
func (rc *receiver) waitFor(t *testing.T, what string, cond func([]received) bool) []received {
	t.Helper()
	deadline := time.NewTimer(hookWaitLimit)
	defer deadline.Stop()
	for {
		if got := rc.all(); cond(got) {
			return got
		}
		select {
		case <-rc.notify:
		case <-deadline.C:
			t.Fatalf("receiver: gave up waiting for %s; got %d requests", what, len(rc.all()))
		}
	}
}

// events counts the received requests by event type.
func events(got []received) map[string]int {
	out := map[string]int{}
	for _, r := range got {
		out[string(r.Payload.Event)]++
	}
	return out
}

// createHook registers url for events and returns the webhook and its secret.
func createHook(t *testing.T, env *apitest.Env, token, url string, events ...string) (api.Webhook, string) {
	t.Helper()
	r := env.DoJSON(t, http.MethodPost, "/api/webhooks", token, map[string]any{"url": url, "events": events})
	if r.Status != http.StatusCreated {
		t.Fatalf("create webhook: %d %s", r.Status, r.Body)
	}
	var c api.WebhookCreated
	r.JSON(t, &c)
	if c.Secret == "" || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create webhook: secret %q, Cache-Control %q", c.Secret, r.Header.Get("Cache-Control"))
	}
	return api.Webhook{Id: c.Id, Url: c.Url, Events: c.Events, Description: c.Description, Active: c.Active,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}, c.Secret
}

// deliveries reads a webhook's whole delivery log through the API.
func deliveries(t *testing.T, env *apitest.Env, token string, id int64) []api.WebhookDelivery {
	t.Helper()
	r := env.Do(t, http.MethodGet, fmt.Sprintf("/api/webhooks/%d/deliveries?limit=100", id), token, nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("deliveries: %d %s", r.Status, r.Body)
	}
	var l api.WebhookDeliveryList
	r.JSON(t, &l)
	return l.Deliveries
}

// waitDeliveries polls the delivery log until cond holds.
func waitDeliveries(t *testing.T, env *apitest.Env, token string, id int64, what string, cond func([]api.WebhookDelivery) bool) []api.WebhookDelivery {
	t.Helper()
	deadline := time.Now().Add(hookWaitLimit)
	for {
		d := deliveries(t, env, token, id)
		if cond(d) {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s; deliveries %+v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// allDelivered reports whether there are n deliveries, all delivered.
func allDelivered(n int) func([]api.WebhookDelivery) bool {
	return func(d []api.WebhookDelivery) bool {
		if len(d) != n {
			return false
		}
		for _, x := range d {
			if x.Status != api.WebhookDeliveryStatusDelivered {
				return false
			}
		}
		return true
	}
}

// createUserAPI creates a user through POST /api/users (so user.created fires).
func createUserAPI(t *testing.T, env *apitest.Env, token, username string) int {
	t.Helper()
	r := env.DoJSON(t, http.MethodPost, "/api/users", token, map[string]any{"username": username,
		"email": username + "@example.com", "password": "Correct-Horse-9"})
	if r.Status != http.StatusCreated {
		t.Fatalf("create user: %d %s", r.Status, r.Body)
	}
	var u api.User
	r.JSON(t, &u)
	return int(u.Id)
}
