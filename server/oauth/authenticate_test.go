package oauth

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAuthenticate(t *testing.T) {
	e := newEnv(t, time.Hour)
	uid, usecret := e.client(t, e.user, "server.view", "server.console")
	aid, asecret := e.client(t, e.admin, "admin", "nodes.view")
	nid, nsecret := e.client(t, e.admin, "nodes.view")
	userTok := e.token(t, uid, usecret)
	narrowTok := e.token(t, uid, usecret, "server.console")
	adminTok := e.token(t, aid, asecret)
	plainAdminTok := e.token(t, nid, nsecret)
	tampered := userTok[:len(userTok)-2] + flip(userTok[len(userTok)-2:])
	tests := []struct {
		name   string
		token  string
		err    error
		user   int
		client string
		admin  bool
		scopes []string
	}{
		{"user token", userTok, nil, e.user.ID, uid, false, []string{"server.view", "server.console"}},
		{"narrowed token", narrowTok, nil, e.user.ID, uid, false, []string{"server.console"}},
		{"admin token", adminTok, nil, e.admin.ID, aid, true, []string{"admin", "nodes.view"}},
		{"admin user without admin scope", plainAdminTok, nil, e.admin.ID, nid, false, []string{"nodes.view"}},
		{"empty", "", ErrInvalidToken, 0, "", false, nil},
		{"garbage", "ory_at_garbage", ErrInvalidToken, 0, "", false, nil},
		{"no prefix", strings.TrimPrefix(userTok, tokenPrefix), ErrInvalidToken, 0, "", false, nil},
		{"tampered signature", tampered, ErrInvalidToken, 0, "", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for round := range 2 { // the second round is served from the cache
				p, err := e.p.Authenticate(t.Context(), tt.token)
				if !errors.Is(err, tt.err) {
					t.Fatalf("round %d: err %v, want %v", round, err, tt.err)
				}
				if err != nil {
					continue
				}
				if p.UserID != tt.user || p.ClientID != tt.client || p.Admin != tt.admin || !slices.Equal(p.Scopes, tt.scopes) {
					t.Fatalf("round %d: principal %+v, want user %d client %s admin %v scopes %v",
						round, p, tt.user, tt.client, tt.admin, tt.scopes)
				}
				if d := time.Until(p.ExpiresAt); d < 59*time.Minute || d > time.Hour {
					t.Fatalf("expires in %v, want about an hour", d)
				}
			}
		})
	}
}

func flip(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
	}
	return string(b)
}

func TestAuthenticateExpired(t *testing.T) {
	e := newEnv(t, time.Nanosecond) // every token is expired by the time it is used
	id, secret := e.client(t, e.user, "server.view")
	tok := e.token(t, id, secret)
	for round := range 2 {
		if _, err := e.p.Authenticate(t.Context(), tok); !errors.Is(err, ErrExpiredToken) {
			t.Fatalf("round %d: err %v, want ErrExpiredToken", round, err)
		}
	}
}

// Deleting a client rejects its cached token on the next request.
func TestAuthenticateAfterDeleteClient(t *testing.T) {
	e := newEnv(t, time.Hour)
	id, secret := e.client(t, e.user, "server.view")
	keepID, keepSecret := e.client(t, e.user, "server.view")
	tok, keep := e.token(t, id, secret), e.token(t, keepID, keepSecret)
	for _, tk := range []string{tok, keep} {
		if _, err := e.p.Authenticate(t.Context(), tk); err != nil { // now cached
			t.Fatal(err)
		}
	}
	other := e.admin.ID
	if err := e.p.DeleteClient(t.Context(), id, &other); !errors.Is(err, ErrClientNotFound) {
		t.Fatalf("delete another user's client: %v, want ErrClientNotFound", err)
	}
	if err := e.p.DeleteClient(t.Context(), id, &e.user.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.Authenticate(t.Context(), tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token of a deleted client: %v, want ErrInvalidToken", err)
	}
	if _, err := e.p.Authenticate(t.Context(), keep); err != nil {
		t.Fatalf("token of another client: %v", err)
	}
	if err := e.p.DeleteClient(t.Context(), id, nil); !errors.Is(err, ErrClientNotFound) {
		t.Fatalf("second delete: %v, want ErrClientNotFound", err)
	}
}

// Changes made with plain ent calls (the users handlers) take effect at once.
func TestAuthenticateFollowsUserChanges(t *testing.T) {
	e := newEnv(t, time.Hour)
	id, secret := e.client(t, e.user, "server.view", "server.edit")
	tok := e.token(t, id, secret)
	if _, err := e.p.Authenticate(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	e.st.Client.User.UpdateOneID(e.user.ID).SetScopes([]string{"server.view"}).ExecX(t.Context())
	p, err := e.p.Authenticate(t.Context(), tok)
	if err != nil || !slices.Equal(p.Scopes, []string{"server.view"}) {
		t.Fatalf("after the user lost server.edit: %+v, %v", p, err)
	}
	e.st.Client.User.DeleteOneID(e.user.ID).ExecX(t.Context())
	if _, err := e.p.Authenticate(t.Context(), tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token of a deleted user: %v, want ErrInvalidToken", err)
	}
}

// Another process (the CLI) deleting a client is seen after the revalidation interval.
func TestAuthenticateRevalidates(t *testing.T) {
	e := newEnv(t, time.Hour)
	id, secret := e.client(t, e.user, "server.view")
	tok := e.token(t, id, secret)
	if _, err := e.p.Authenticate(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	// Raw SQL stands for another process: no hook runs here.
	if _, err := e.st.DB.ExecContext(t.Context(), "DELETE FROM oauth_clients WHERE id = ?", id); err != nil {
		t.Fatal(err)
	}
	e.p.cache.revalidate = 0 // as if the interval had passed
	if _, err := e.p.Authenticate(t.Context(), tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("after revalidation: %v, want ErrInvalidToken", err)
	}
}

func TestCleanup(t *testing.T) {
	e := newEnv(t, time.Nanosecond)
	id, secret := e.client(t, e.user, "server.view")
	e.token(t, id, secret)
	e.token(t, id, secret)
	n, err := e.p.Cleanup(t.Context())
	if err != nil || n != 2 {
		t.Fatalf("Cleanup = %d, %v; want 2 tokens deleted", n, err)
	}
	if left := e.st.Client.OAuthToken.Query().CountX(t.Context()); left != 0 {
		t.Fatalf("%d tokens left", left)
	}
}
