package node

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v3/jwt"

	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/server/store"
)

// openStore opens a real SQLite store in dir.
func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func sealerOf(t *testing.T, st *store.Store) *store.Sealer {
	t.Helper()
	s, err := store.NewSealer(st.Keys.Seal)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serveJWKS publishes s's key set on loopback and returns its URL.
func serveJWKS(t *testing.T, s *Signer) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.JWKS())
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/.well-known/jwks.json"
}

func verifier(t *testing.T, jwksURL string, nodeID int) *nodeapi.Verifier {
	t.Helper()
	v, err := nodeapi.NewVerifier(nodeapi.VerifierOptions{JWKSURL: jwksURL, NodeID: nodeID})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSignerKeyIsStoredSealedAndShared(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := openStore(t, dir)
	a, err := LoadSigner(ctx, st.Client, sealerOf(t, st))
	if err != nil {
		t.Fatal(err)
	}
	// a second replica on the same database (same data-folder keys) signs with the same key
	st2 := openStore(t, dir)
	b, err := LoadSigner(ctx, st2.Client, sealerOf(t, st2))
	if err != nil {
		t.Fatal(err)
	}
	if a.KeyID() != b.KeyID() {
		t.Fatalf("replicas have kids %q and %q", a.KeyID(), b.KeyID())
	}
	tok, err := b.Token(7)
	if err != nil {
		t.Fatal(err)
	}
	if err := verifier(t, serveJWKS(t, a), 7).Verify(ctx, tok); err != nil {
		t.Fatalf("replica b's token refused by a's key set: %v", err)
	}
	// at rest the seed is sealed: the row holds no raw key material that opens without the seal key
	row, err := st.Client.Setting.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var stored storedKey
	for _, r := range row {
		if r.Key == SigningKeySetting {
			if err := json.Unmarshal([]byte(r.Value), &stored); err != nil {
				t.Fatal(err)
			}
		}
	}
	if stored.KID != a.KeyID() || stored.Sealed == "" {
		t.Fatalf("stored key row = %+v", stored)
	}
	other, err := store.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSigner(ctx, st.Client, other); !errors.Is(err, ErrSigningKey) {
		t.Fatalf("LoadSigner with another seal key: %v, want ErrSigningKey", err)
	}
}

func TestSignerTokenClaims(t *testing.T) {
	st := openStore(t, t.TempDir())
	s, err := LoadSigner(context.Background(), st.Client, sealerOf(t, st))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Token(2)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jwt.ParseSigned(tok)
	if err != nil {
		t.Fatal(err)
	}
	h := parsed.Headers[0]
	if h.Algorithm != "EdDSA" || h.KeyID != s.KeyID() {
		t.Fatalf("header alg %q kid %q", h.Algorithm, h.KeyID)
	}
	var c jwt.Claims
	if err := parsed.Claims(s.JWKS().Keys[0].Key, &c); err != nil {
		t.Fatal(err)
	}
	life := c.Expiry.Time().Sub(c.IssuedAt.Time())
	switch {
	case c.Issuer != "skypanel":
		t.Errorf("iss %q", c.Issuer)
	case len(c.Audience) != 1 || c.Audience[0] != "node:2":
		t.Errorf("aud %q", c.Audience)
	case !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(c.ID):
		t.Errorf("jti %q", c.ID)
	case life <= 0 || life > 300*time.Second:
		t.Errorf("exp − iat = %s", life)
	case c.NotBefore == nil || !c.NotBefore.Time().Equal(c.IssuedAt.Time()):
		t.Errorf("nbf %v iat %v", c.NotBefore, c.IssuedAt)
	}
	again, _ := s.Token(2)
	if again == tok {
		t.Error("two tokens are identical (jti must be fresh)")
	}
}

func TestSignerTokenForOneNodeRefusedByAnother(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, t.TempDir())
	s, err := LoadSigner(ctx, st.Client, sealerOf(t, st))
	if err != nil {
		t.Fatal(err)
	}
	url := serveJWKS(t, s)
	tok, _ := s.Token(2)
	if err := verifier(t, url, 3).Verify(ctx, tok); !errors.Is(err, nodeapi.ErrUnauthorized) {
		t.Fatalf("node 3 verifying node 2's token: %v, want ErrUnauthorized", err)
	}
	v2 := verifier(t, url, 2)
	if err := v2.Verify(ctx, tok); err != nil {
		t.Fatalf("node 2 refused its token: %v", err)
	}
	if err := v2.Verify(ctx, tok); !errors.Is(err, nodeapi.ErrUnauthorized) {
		t.Fatalf("replayed token: %v, want ErrUnauthorized", err)
	}
}
