package oauth

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/server/store"
)

// env is a provider on a real SQLite file, served over loopback.
type env struct {
	st    *store.Store
	p     *Provider
	srv   *httptest.Server
	admin *ent.User // admin user
	user  *ent.User // regular user with server.view, server.edit, server.console
}

func newEnv(t testing.TB, ttl time.Duration) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := store.Open(t.Context(), t.TempDir(), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	p, err := New(t.Context(), Options{Client: st.Client, GlobalSecret: st.Keys.OAuth2,
		SecretKey: st.Keys.SecretHash, TokenTTL: ttl, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/oauth2/token", p.TokenHandler())
	mux.Handle("/oauth2/introspect", p.IntrospectHandler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e := &env{st: st, p: p, srv: srv}
	ctx := t.Context()
	e.admin = st.Client.User.Create().SetUsername("admin").SetEmail("admin@example.com").
		SetPasswordHash("x").SetAdmin(true).SaveX(ctx)
	e.user = st.Client.User.Create().SetUsername("user").SetEmail("user@example.com").
		SetPasswordHash("x").SetScopes([]string{"server.view", "server.edit", "server.console"}).SaveX(ctx)
	return e
}

func (e *env) client(t testing.TB, u *ent.User, scopes ...string) (id, secret string) {
	t.Helper()
	id, secret, err := e.p.CreateClient(t.Context(), u.ID, "test", scopes)
	if err != nil {
		t.Fatal(err)
	}
	return id, secret
}

type result struct {
	status int
	header http.Header
	body   map[string]any
}

// post sends a form; basic (id, secret) goes to HTTP Basic when not empty.
func (e *env) post(t testing.TB, path string, form url.Values, basic ...string) result {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(basic) == 2 {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	} else if len(basic) == 1 {
		req.Header.Set("Authorization", "Bearer "+basic[0])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := result{status: resp.StatusCode, header: resp.Header}
	if err := json.NewDecoder(resp.Body).Decode(&r.body); err != nil {
		t.Fatalf("%s: status %d, body is not JSON: %v", path, resp.StatusCode, err)
	}
	return r
}

// token issues a token with body credentials and fails the test otherwise.
func (e *env) token(t testing.TB, id, secret string, scope ...string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	if len(scope) > 0 {
		form.Set("scope", strings.Join(scope, " "))
	}
	r := e.post(t, "/oauth2/token", form)
	if r.status != http.StatusOK {
		t.Fatalf("token: status %d %v", r.status, r.body)
	}
	return r.body["access_token"].(string)
}
