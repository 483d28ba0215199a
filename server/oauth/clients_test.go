package oauth

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCreateClientScopes(t *testing.T) {
	e := newEnv(t, time.Hour)
	tests := []struct {
		name    string
		user    int
		scopes  []string
		err     error
		refused string // scope named by the ScopeError
	}{
		{"subset of the user's", e.user.ID, []string{"server.view", "server.console"}, nil, ""},
		{"duplicates collapse", e.user.ID, []string{"server.view", "server.view"}, nil, ""},
		{"no scope", e.user.ID, nil, nil, ""},
		{"beyond the user's", e.user.ID, []string{"server.view", "server.delete"}, ErrScopeNotAllowed, "server.delete"},
		{"admin for a non-admin", e.user.ID, []string{"admin"}, ErrScopeNotAllowed, "admin"},
		{"admin user grants anything", e.admin.ID, []string{"admin", "server.delete", "nodes.deploy"}, nil, ""},
		{"node scope is reserved", e.admin.ID, []string{"node"}, ErrScopeNotAllowed, "node"},
		{"scope with a space", e.admin.ID, []string{"server view"}, ErrInvalidScope, "server view"},
		{"empty scope", e.admin.ID, []string{""}, ErrInvalidScope, ""},
		{"unknown user", 999, []string{"server.view"}, ErrUserNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, secret, err := e.p.CreateClient(t.Context(), tt.user, tt.name, tt.scopes)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if err != nil {
				var se *ScopeError
				if tt.refused != "" && (!errors.As(err, &se) || se.Scope != tt.refused) {
					t.Fatalf("err %v does not name scope %q", err, tt.refused)
				}
				return
			}
			if len(id) != 24 || strings.ContainsAny(id, "+/=.") || len(secret) != 43 {
				t.Fatalf("client id %q / secret length %d", id, len(secret))
			}
			row := e.st.Client.OAuthClient.GetX(t.Context(), id)
			want := slices.Compact(slices.Clone(tt.scopes))
			if want == nil {
				want = []string{}
			}
			if !slices.Equal(row.Scopes, want) || row.UserID == nil || *row.UserID != tt.user {
				t.Fatalf("stored client %+v", row)
			}
		})
	}
}

// Secrets and tokens never reach the database in clear.
func TestSecretsNotStoredInClear(t *testing.T) {
	e := newEnv(t, time.Hour)
	id, secret := e.client(t, e.user, "server.view")
	tok := e.token(t, id, secret)
	var hash string
	if err := e.st.DB.QueryRowContext(t.Context(), "SELECT secret_hash FROM oauth_clients WHERE id = ?", id).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if hash == "" || strings.Contains(hash, secret) {
		t.Fatalf("secret_hash %q holds the secret", hash)
	}
	var sig, rid, subject, scopes string
	err := e.st.DB.QueryRowContext(t.Context(),
		"SELECT signature, request_id, subject, scopes FROM oauth_tokens WHERE client_id = ?", id).
		Scan(&sig, &rid, &subject, &scopes)
	if err != nil {
		t.Fatal(err)
	}
	key, _, _ := strings.Cut(strings.TrimPrefix(tok, tokenPrefix), ".")
	for _, col := range []string{sig, rid, subject, scopes} {
		if strings.Contains(col, key) || strings.Contains(tok, col) && col == tok {
			t.Fatalf("a token column holds the token: %q", col)
		}
	}
	if !strings.HasSuffix(tok, "."+sig) {
		t.Fatalf("stored signature %q is not the token's HMAC signature", sig)
	}
}

func TestListClients(t *testing.T) {
	e := newEnv(t, time.Hour)
	var mine []string
	for range 5 {
		id, _ := e.client(t, e.user, "server.view")
		mine = append(mine, id)
	}
	e.client(t, e.admin, "admin")
	tests := []struct {
		name        string
		user        *int
		page, limit int
		total, size int
	}{
		{"user, first page", &e.user.ID, 1, 2, 5, 2},
		{"user, last page", &e.user.ID, 3, 2, 5, 1},
		{"user, past the end", &e.user.ID, 4, 2, 5, 0},
		{"everyone", nil, 1, 25, 6, 6},
		{"limit clamped", nil, 1, 1000, 6, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := e.p.ListClients(t.Context(), tt.user, tt.page, tt.limit)
			if err != nil || total != tt.total || len(got) != tt.size {
				t.Fatalf("ListClients = %d items, total %d, %v; want %d, %d", len(got), total, err, tt.size, tt.total)
			}
		})
	}
	var all []string
	for page := 1; page <= 3; page++ {
		got, _, _ := e.p.ListClients(t.Context(), &e.user.ID, page, 2)
		for _, c := range got {
			all = append(all, c.ID)
		}
	}
	if !slices.Equal(all, mine) {
		t.Fatalf("pages %v, want creation order %v", all, mine)
	}
}

func TestNodeClient(t *testing.T) {
	e := newEnv(t, time.Hour)
	n := e.st.Client.Node.Create().SetName("node-1").SaveX(t.Context())
	id, secret, err := e.p.CreateNodeClient(t.Context(), n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if id != NodeClientID(n.ID) || !strings.HasPrefix(id, ".node_") {
		t.Fatalf("node client id %q", id)
	}
	tok := e.token(t, id, secret)
	p, err := e.p.Authenticate(t.Context(), tok)
	if err != nil || p.NodeID != n.ID || p.UserID != 0 || p.Admin || !slices.Equal(p.Scopes, []string{ScopeNode}) {
		t.Fatalf("node principal %+v, %v", p, err)
	}
	id2, secret2, err := e.p.CreateNodeClient(t.Context(), n.ID)
	if err != nil || id2 != id || secret2 == secret {
		t.Fatalf("rotation: %q %v (same secret: %v)", id2, err, secret2 == secret)
	}
	if _, err := e.p.Authenticate(t.Context(), tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token from before the rotation: %v, want ErrInvalidToken", err)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	if r := e.post(t, "/oauth2/token", form); r.status != http.StatusUnauthorized {
		t.Fatalf("old secret: status %d, want 401", r.status)
	}
	e.token(t, id, secret2)
	if _, _, err := e.p.CreateNodeClient(t.Context(), 999); !errors.Is(err, ErrNodeNotFound) {
		t.Fatalf("unknown node: %v, want ErrNodeNotFound", err)
	}
	// Deleting the node deletes its deployment client.
	e.st.Client.Node.DeleteOneID(n.ID).ExecX(t.Context())
	if n := e.st.Client.OAuthClient.Query().CountX(t.Context()); n != 0 {
		t.Fatalf("%d clients left after deleting the node", n)
	}
}
