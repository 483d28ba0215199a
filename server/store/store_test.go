package store

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/oauthclient"
	"github.com/skypanel/skypanel/ent/oauthtoken"
	"github.com/skypanel/skypanel/ent/schema"
)

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func openTest(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(t.Context(), dir, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s := openTest(t, dir)
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Fatalf("data folder mode %v, want 0700", st.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(dir, DBFile)); err != nil {
		t.Fatalf("database file: %v", err)
	}
	pragmas := []struct{ name, want string }{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"synchronous", "1"}, // NORMAL
		{"busy_timeout", "5000"},
	}
	for _, p := range pragmas {
		t.Run(p.name, func(t *testing.T) {
			var got string
			if err := s.DB.QueryRowContext(t.Context(), "PRAGMA "+p.name).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != p.want {
				t.Fatalf("PRAGMA %s = %s, want %s", p.name, got, p.want)
			}
		})
	}
	for _, k := range [][]byte{s.Keys.OAuth2, s.Keys.SecretHash, s.Keys.Seal} {
		if len(k) != KeySize {
			t.Fatalf("key of %d bytes, want %d", len(k), KeySize)
		}
	}
}

// serve and CLI subcommands open the same fresh data folder at the same time.
func TestOpenConcurrent(t *testing.T) {
	dir := t.TempDir()
	const n = 6
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), dir, testLogger(t)) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		defer stores[i].Close()
	}
	ctx := t.Context()
	u := createUser(t, stores[0].Client, "alice")
	got, err := stores[n-1].Client.User.Get(ctx, u.ID)
	if err != nil || got.Username != "alice" {
		t.Fatalf("another connection does not see the user: %v", err)
	}
}

func createUser(t *testing.T, c *ent.Client, name string) *ent.User {
	t.Helper()
	u, err := c.User.Create().SetUsername(name).SetEmail(name + "@example.com").
		SetPasswordHash("x").Save(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Deleting a user deletes its clients and their tokens (foreign keys enforced).
func TestCascadeUserDelete(t *testing.T) {
	s := openTest(t, t.TempDir())
	ctx := context.Background()
	u := createUser(t, s.Client, "bob")
	keep := createUser(t, s.Client, "carol")
	for i, owner := range []*ent.User{u, keep} {
		id := []string{"client-bob", "client-carol"}[i]
		if err := s.Client.OAuthClient.Create().SetID(id).SetSecretHash("h").SetUserID(owner.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Client.OAuthToken.Create().SetSignature("sig-" + id).SetRequestID("r").SetClientID(id).
			SetExpiresAt(time.Now().Add(time.Hour)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Client.User.DeleteOneID(u.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	clients := s.Client.OAuthClient.Query().AllX(ctx)
	tokens := s.Client.OAuthToken.Query().AllX(ctx)
	if len(clients) != 1 || clients[0].ID != "client-carol" {
		t.Fatalf("clients after delete: %v", clients)
	}
	if len(tokens) != 1 || tokens[0].ClientID != "client-carol" {
		t.Fatalf("tokens after delete: %v", tokens)
	}
	if n := s.Client.OAuthToken.Query().Where(oauthtoken.HasClientWith(oauthclient.UserID(u.ID))).CountX(ctx); n != 0 {
		t.Fatalf("%d tokens of the deleted user remain", n)
	}
}

// A user who owns servers cannot be deleted; the constraint error reaches the caller.
func TestUserWithServersIsKept(t *testing.T) {
	s := openTest(t, t.TempDir())
	ctx := t.Context()
	u := createUser(t, s.Client, "dave")
	n := s.Client.Node.Create().SetName("local").SetLocal(true).SaveX(ctx)
	srv := s.Client.Server.Create().SetName("mc").SetOwnerID(u.ID).SetNodeID(n.ID).SetPort(25565).SaveX(ctx)
	if !schema.ServerIDPattern.MatchString(srv.ID) || len(srv.ID) != 8 {
		t.Fatalf("generated server id %q", srv.ID)
	}
	err := s.Client.User.DeleteOneID(u.ID).Exec(ctx)
	if !ent.IsConstraintError(err) {
		t.Fatalf("delete user with servers: %v, want a constraint error", err)
	}
	_, err = s.Client.Server.Create().SetName("dup").SetOwnerID(u.ID).SetNodeID(n.ID).SetPort(25565).Save(ctx)
	if !ent.IsConstraintError(err) {
		t.Fatalf("second server on the same node port: %v, want a constraint error", err)
	}
}
