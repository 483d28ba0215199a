package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/webhook"
)

func TestWebhooksCRUD(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	h, secret := createHook(t, env, admin, "https://billing.example.com/hook", "server.created", "user.created")
	if !h.Active || h.Description != "" || len(h.Events) != 2 || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("created %+v secret %q", h, secret)
	}
	path := fmt.Sprintf("/api/webhooks/%d", h.Id)
	noSecret := func(t *testing.T, r *apitest.Response) {
		t.Helper()
		if r.Status != http.StatusOK || strings.Contains(string(r.Body), secret) || strings.Contains(string(r.Body), "secret") {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	}
	t.Run("the secret is never read back", func(t *testing.T) {
		noSecret(t, env.Do(t, http.MethodGet, path, admin, nil, nil))
		noSecret(t, env.Do(t, http.MethodGet, "/api/webhooks", admin, nil, nil))
		noSecret(t, env.DoJSON(t, http.MethodPut, path, admin, map[string]any{"description": "billing"}))
		row := env.Store.Client.Webhook.GetX(t.Context(), int(h.Id))
		if strings.Contains(string(row.SecretEnc), secret) || len(row.SecretEnc) == 0 {
			t.Fatalf("the secret is not sealed at rest")
		}
	})
	t.Run("update", func(t *testing.T) {
		r := env.DoJSON(t, http.MethodPut, path, admin, map[string]any{"events": []string{"*"}, "active": false,
			"url": "http://127.0.0.1:9/hook"})
		var got api.Webhook
		r.JSON(t, &got)
		if r.Status != http.StatusOK || got.Active || got.Url != "http://127.0.0.1:9/hook" || len(got.Events) != 1 ||
			got.Events[0] != "*" || got.Description != "billing" {
			t.Fatalf("%d %+v", r.Status, got)
		}
	})
	t.Run("invalid input", func(t *testing.T) {
		for _, body := range []map[string]any{
			{"url": "ftp://example.com/x", "events": []string{"*"}},
			{"url": "https://u:p@example.com/x", "events": []string{"*"}},
			{"url": "example.com/x", "events": []string{"*"}},
			{"url": "https://example.com/x", "events": []string{}},
			{"url": "https://example.com/x", "events": []string{"server.exploded"}},
			{"url": "https://example.com/x", "events": []string{"*"}, "secret": "mine"},
		} {
			env.DoJSON(t, http.MethodPost, "/api/webhooks", admin, body).ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
		}
		env.DoJSON(t, http.MethodPost, "/api/webhooks", admin, map[string]any{"events": []string{"*"}}).
			ExpectError(t, http.StatusBadRequest, server.CodeFieldRequired)
		env.DoJSON(t, http.MethodPut, path, admin, map[string]any{"url": "gopher://x"}).
			ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
		env.DoJSON(t, http.MethodPut, path, admin, map[string]any{}).
			ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
		if n := env.Store.Client.Webhook.Query().CountX(t.Context()); n != 1 {
			t.Fatalf("%d webhooks after refused creates", n)
		}
	})
	t.Run("tenants are refused", func(t *testing.T) {
		tok, _ := env.UserToken(t, "tenant", false, "server.view", "server.create", "users.view")
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{http.MethodGet, "/api/webhooks", nil},
			{http.MethodPost, "/api/webhooks", map[string]any{"url": "https://x.example/h", "events": []string{"*"}}},
			{http.MethodGet, path, nil},
			{http.MethodPut, path, map[string]any{"active": true}},
			{http.MethodDelete, path, nil},
			{http.MethodGet, path + "/deliveries", nil},
			{http.MethodPost, path + "/deliveries/1/redeliver", nil},
			{http.MethodPost, path + "/rotate-secret", nil},
		} {
			env.DoJSON(t, c.method, c.path, tok, c.body).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
		}
		viewer, _ := env.UserToken(t, "hookviewer", false, "webhooks.view")
		noSecret(t, env.Do(t, http.MethodGet, path, viewer, nil, nil))
		env.Do(t, http.MethodDelete, path, viewer, nil, nil).ExpectError(t, http.StatusForbidden, server.CodePermissionDenied)
	})
	t.Run("delete", func(t *testing.T) {
		if r := env.Do(t, http.MethodDelete, path, admin, nil, nil); r.Status != http.StatusNoContent {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		env.Do(t, http.MethodGet, path, admin, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeNotFound)
		env.Do(t, http.MethodDelete, path, admin, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeNotFound)
		env.Do(t, http.MethodGet, path+"/deliveries", admin, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeNotFound)
	})
}

// TestWebhooksEvents: user.created, server.created and server.deleted each reach a "*"
// endpoint once, signed; an endpoint filtering on server.deleted gets only that; an
// inactive endpoint gets nothing.
func TestWebhooksEvents(t *testing.T) {
	node := apitest.StartNode(t, daemon.Options{StopTimeout: 2 * time.Second, TermTimeout: 2 * time.Second})
	env := apitest.Start(t, apitest.WithNodes(node.Registry()), apitest.WithConfig(fastHooks))
	t.Cleanup(node.Local.Close)
	admin := env.AdminToken(t)
	all, only, idle := newReceiver(t), newReceiver(t), newReceiver(t)
	hAll, s := createHook(t, env, admin, all.srv.URL+"/all", "*")
	all.setSecret(s)
	hOnly, s := createHook(t, env, admin, only.srv.URL+"/only", "server.deleted")
	only.setSecret(s)
	hIdle, s := createHook(t, env, admin, idle.srv.URL+"/idle", "*")
	idle.setSecret(s)
	env.DoJSON(t, http.MethodPut, fmt.Sprintf("/api/webhooks/%d", hIdle.Id), admin, map[string]any{"active": false})

	uid := createUserAPI(t, env, admin, "hookuser")
	r := env.DoJSON(t, http.MethodPut, "/api/servers/hook1", admin, map[string]any{
		"name": "hooked", "ownerId": uid, "environmentType": "standard", "startup": "sleep 600"})
	if r.Status != http.StatusCreated {
		t.Fatalf("create server: %d %s", r.Status, r.Body)
	}
	// an idempotent retry of the same create is not a second server.created
	if r := env.DoJSON(t, http.MethodPut, "/api/servers/hook1", admin, map[string]any{
		"name": "hooked", "ownerId": uid, "environmentType": "standard", "startup": "sleep 600"}); r.Status != http.StatusOK {
		t.Fatalf("retry create: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, http.MethodDelete, "/api/servers/hook1", admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete server: %d %s", r.Status, r.Body)
	}
	want := map[string]int{webhook.UserCreated: 1, webhook.ServerCreated: 1, webhook.ServerDeleted: 1}
	waitDeliveries(t, env, admin, hAll.Id, "3 deliveries to *", allDelivered(3))
	waitDeliveries(t, env, admin, hOnly.Id, "1 delivery to server.deleted", allDelivered(1))
	got := all.all()
	if ev := events(got); len(ev) != len(want) || ev[webhook.UserCreated] != 1 || ev[webhook.ServerCreated] != 1 || ev[webhook.ServerDeleted] != 1 {
		t.Fatalf("* endpoint got %v, want %v", ev, want)
	}
	for _, g := range got {
		d := g.Payload.Data
		switch string(g.Payload.Event) {
		case webhook.UserCreated:
			if d.User == nil || d.User.Username != "hookuser" || d.User.Id != int64(uid) {
				t.Errorf("user.created data %s", g.Body)
			}
		case webhook.ServerCreated, webhook.ServerDeleted:
			if d.Server == nil || d.Server.Id != "hook1" || d.Server.OwnerId != int64(uid) || d.Server.Name != "hooked" {
				t.Errorf("%s data %s", g.Payload.Event, g.Body)
			}
		}
	}
	if ev := events(only.all()); len(ev) != 1 || ev[webhook.ServerDeleted] != 1 {
		t.Fatalf("server.deleted endpoint got %v", ev)
	}
	if n := len(idle.all()) + len(deliveries(t, env, admin, hIdle.Id)); n != 0 {
		t.Fatalf("the inactive endpoint has %d deliveries", n)
	}
}

// TestWebhooksRetry: an endpoint answering 500 twice gets the same event a third time and
// the delivery is then delivered with 3 attempts; a redeliver sends it once more.
func TestWebhooksRetry(t *testing.T) {
	env := apitest.Start(t, apitest.WithConfig(fastHooks))
	admin := env.AdminToken(t)
	rc := newReceiver(t)
	rc.setStatus(func(n int, _ received) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	h, s := createHook(t, env, admin, rc.srv.URL, "user.created")
	rc.setSecret(s)
	createUserAPI(t, env, admin, "retried")
	d := waitDeliveries(t, env, admin, h.Id, "a delivery after two 500s", allDelivered(1))[0]
	got := rc.all()
	if len(got) != 3 || d.Attempts != 3 || d.LastStatusCode == nil || *d.LastStatusCode != 200 || d.LastError != nil ||
		d.NextAttemptAt != nil || d.DeliveredAt == nil {
		t.Fatalf("after 3 requests (%d received): %+v", len(got), d)
	}
	for _, g := range got {
		if g.Payload.Id != d.EventId || string(g.Body) != string(got[0].Body) ||
			g.Header.Get(webhook.HeaderDelivery) != fmt.Sprint(d.Id) {
			t.Fatalf("a retry changed the body or ids: %s vs %s", g.Body, got[0].Body)
		}
	}
	// a new secret signs the next attempts, the redelivery of an earlier event included
	r := env.Do(t, http.MethodPost, fmt.Sprintf("/api/webhooks/%d/rotate-secret", h.Id), admin, nil, nil)
	var rot api.WebhookCreated
	r.JSON(t, &rot)
	if r.Status != http.StatusOK || rot.Secret == "" || rot.Secret == s || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("rotate: %d %s", r.Status, r.Body)
	}
	rc.setSecret(rot.Secret)
	r = env.Do(t, http.MethodPost, fmt.Sprintf("/api/webhooks/%d/deliveries/%d/redeliver", h.Id, d.Id), admin, nil, nil)
	if r.Status != http.StatusAccepted {
		t.Fatalf("redeliver: %d %s", r.Status, r.Body)
	}
	waitDeliveries(t, env, admin, h.Id, "the redelivery", func(d []api.WebhookDelivery) bool {
		return allDelivered(1)(d) && d[0].Attempts == 4
	})
	if got := rc.all(); len(got) != 4 || got[3].Payload.Id != d.EventId {
		t.Fatalf("redelivery: %d requests", len(got))
	}
	env.Do(t, http.MethodPost, fmt.Sprintf("/api/webhooks/%d/deliveries/%d/redeliver", h.Id, d.Id+1), admin, nil, nil).
		ExpectError(t, http.StatusNotFound, server.CodeNotFound)
}

// TestWebhooksGiveUp: without a 2xx answer within the retry window the delivery fails,
// keeping the last status; redirects are answers, not followed.
func TestWebhooksGiveUp(t *testing.T) {
	env := apitest.Start(t, apitest.WithConfig(func(c *server.Config) {
		fastHooks(c)
		c.Webhooks.RetryFor = time.Nanosecond // the first failure is the last
	}))
	admin := env.AdminToken(t)
	target := newReceiver(t)
	rc := newReceiver(t)
	rc.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.serve(&redirectWriter{ResponseWriter: w, to: target.srv.URL}, r)
	})
	rc.setStatus(func(int, received) int { return http.StatusTemporaryRedirect })
	h, s := createHook(t, env, admin, rc.srv.URL, "user.created")
	rc.setSecret(s)
	createUserAPI(t, env, admin, "failing")
	d := waitDeliveries(t, env, admin, h.Id, "a failed delivery", func(d []api.WebhookDelivery) bool {
		return len(d) == 1 && d[0].Status == api.WebhookDeliveryStatusFailed
	})[0]
	if d.Attempts != 1 || d.LastStatusCode == nil || *d.LastStatusCode != http.StatusTemporaryRedirect || d.LastError == nil ||
		d.NextAttemptAt != nil || len(rc.all()) != 1 || len(target.all()) != 0 {
		t.Fatalf("failed delivery %+v; redirect target got %d", d, len(target.all()))
	}
}

// redirectWriter adds a Location header to the receiver's answer.
type redirectWriter struct {
	http.ResponseWriter
	to string
}

func (w *redirectWriter) WriteHeader(code int) {
	w.Header().Set("Location", w.to)
	w.ResponseWriter.WriteHeader(code)
}
