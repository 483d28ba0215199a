package nodeapi

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v3"
)

func newTestVerifier(t *testing.T, p *panelKeys, nodeID int, clk *clock) *Verifier {
	t.Helper()
	v, err := NewVerifier(VerifierOptions{JWKSURL: p.jwksURL(), NodeID: nodeID, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifierAcceptsPanelTokens(t *testing.T) {
	p := newPanelKeys(t)
	clk := &clock{now: time.Now()}
	v := newTestVerifier(t, p, 1, clk)
	ctx := context.Background()
	for i := range 3 {
		if err := v.Verify(ctx, p.mint(t, clk.Now(), tokenSpec{})); err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
	}
	if n := p.fetches.Load(); n != 1 {
		t.Errorf("key set fetched %d times, want 1 (cached)", n)
	}
}

func TestVerifierRefuses(t *testing.T) {
	p := newPanelKeys(t)
	_, forged, _ := ed25519.GenerateKey(rand.Reader)
	pub := p.key("k1").Public().(ed25519.PublicKey)
	now := time.Now()
	cases := []struct {
		name string
		tok  func() string
		want error
	}{
		{"forged key, known kid", func() string { return p.mint(t, now, tokenSpec{key: forged}) }, ErrTokenSignature},
		{"token for node 2", func() string { return p.mint(t, now, tokenSpec{aud: []string{Audience(2)}}) }, ErrTokenClaims},
		{"two audiences", func() string { return p.mint(t, now, tokenSpec{aud: []string{Audience(1), Audience(2)}}) }, ErrTokenClaims},
		{"other issuer", func() string { return p.mint(t, now, tokenSpec{iss: "someone"}) }, ErrTokenClaims},
		{"no time claims", func() string { return p.mint(t, now, tokenSpec{noTimes: true}) }, ErrTokenClaims},
		{"expired beyond skew", func() string {
			return p.mint(t, now, tokenSpec{iat: now.Add(-361 * time.Second), exp: now.Add(-61 * time.Second)})
		}, ErrTokenTime},
		{"not yet valid beyond skew", func() string {
			return p.mint(t, now, tokenSpec{iat: now.Add(61 * time.Second)})
		}, ErrTokenTime},
		{"lives 301 s", func() string {
			return p.mint(t, now, tokenSpec{exp: now.Add(MaxTokenLifetime + time.Second)})
		}, ErrTokenLifetime},
		{"never expires (exp before iat)", func() string {
			return p.mint(t, now, tokenSpec{exp: now.Add(-time.Second)})
		}, ErrTokenLifetime},
		{"alg none", func() string { return unsignedToken(t, p, now) }, ErrTokenAlgorithm},
		{"HS256 keyed with the public key", func() string {
			return p.mint(t, now, tokenSpec{alg: jose.HS256, key: []byte(pub)})
		}, ErrTokenAlgorithm},
		{"unknown kid", func() string { return p.mint(t, now, tokenSpec{kid: "nope", key: forged}) }, ErrTokenKey},
		{"not a JWS", func() string { return "abc.def" }, ErrTokenMalformed},
		{"garbage segments", func() string { return "a.b.c" }, ErrTokenMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := newTestVerifier(t, p, 1, &clock{now: now})
			err := v.Verify(context.Background(), tc.tok())
			if !errors.Is(err, ErrUnauthorized) || !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want ErrUnauthorized and %v", err, tc.want)
			}
		})
	}
}

// unsignedToken is a valid-looking token with alg "none" and no signature.
func unsignedToken(t *testing.T, p *panelKeys, now time.Time) string {
	t.Helper()
	signed := p.mint(t, now, tokenSpec{})
	payload := signed[strings.Index(signed, ".")+1 : strings.LastIndex(signed, ".")]
	hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"k1","typ":"JWT"}`))
	return hdr + "." + payload + "."
}

func TestVerifierNodeAudience(t *testing.T) {
	p := newPanelKeys(t)
	clk := &clock{now: time.Now()}
	node2, node3 := newTestVerifier(t, p, 2, clk), newTestVerifier(t, p, 3, clk)
	tok := p.mint(t, clk.Now(), tokenSpec{aud: []string{Audience(2)}})
	if err := node3.Verify(context.Background(), tok); !errors.Is(err, ErrTokenClaims) {
		t.Fatalf("node 3 verifying node 2's token: %v, want ErrTokenClaims", err)
	}
	if err := node2.Verify(context.Background(), tok); err != nil {
		t.Fatalf("node 2 verifying its own token: %v", err)
	}
}

func TestVerifierClockSkew(t *testing.T) {
	p := newPanelKeys(t)
	now := time.Now()
	cases := map[string]tokenSpec{
		"panel 59 s ahead":                 {iat: now.Add(59 * time.Second)},
		"expired 59 s ago (panel behind)":  {iat: now.Add(-359 * time.Second), exp: now.Add(-59 * time.Second)},
		"nbf 59 s ahead, iat now":          {nbf: now.Add(59 * time.Second)},
		"lives exactly MaxTokenLifetime":   {exp: now.Add(MaxTokenLifetime)},
		"short-lived, issued 50 s earlier": {iat: now.Add(-50 * time.Second), exp: now.Add(-40 * time.Second)},
	}
	for name, spec := range cases {
		t.Run(name, func(t *testing.T) {
			v := newTestVerifier(t, p, 1, &clock{now: now})
			if err := v.Verify(context.Background(), p.mint(t, now, spec)); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func TestVerifierRefusesReplayedJTI(t *testing.T) {
	p := newPanelKeys(t)
	clk := &clock{now: time.Now()}
	v := newTestVerifier(t, p, 1, clk)
	ctx := context.Background()
	tok := p.mint(t, clk.Now(), tokenSpec{})
	if err := v.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(ctx, tok); !errors.Is(err, ErrTokenReplayed) {
		t.Fatalf("second use: %v, want ErrTokenReplayed", err)
	}
	// Another token with the same jti is a replay too.
	again := p.mint(t, clk.Now(), tokenSpec{jti: jtiOf(t, tok)})
	if err := v.Verify(ctx, again); !errors.Is(err, ErrTokenReplayed) {
		t.Fatalf("same jti in a new token: %v, want ErrTokenReplayed", err)
	}
	// Once the token could no longer be valid, its id is forgotten (the cache stays bounded).
	clk.Add(MaxTokenLifetime + ClockSkew + time.Second)
	if err := v.Verify(ctx, p.mint(t, clk.Now(), tokenSpec{})); err != nil {
		t.Fatal(err)
	}
	if n := v.replay.size(); n != 1 {
		t.Errorf("replay cache holds %d ids, want 1 (expired ones pruned)", n)
	}
}

func jtiOf(t *testing.T, tok string) string {
	t.Helper()
	parsed, err := jose.ParseSigned(tok)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		ID string `json:"jti"`
	}
	if err := json.Unmarshal(parsed.UnsafePayloadWithoutVerification(), &c); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func TestVerifierReplayCacheFullFailsClosed(t *testing.T) {
	p := newPanelKeys(t)
	clk := &clock{now: time.Now()}
	v, err := NewVerifier(VerifierOptions{JWKSURL: p.jwksURL(), NodeID: 1, Now: clk.Now, ReplayCapacity: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 2 {
		if err := v.Verify(ctx, p.mint(t, clk.Now(), tokenSpec{})); err != nil {
			t.Fatal(err)
		}
	}
	if err := v.Verify(ctx, p.mint(t, clk.Now(), tokenSpec{})); !errors.Is(err, ErrReplayCacheFull) {
		t.Fatalf("third live token: %v, want ErrReplayCacheFull", err)
	}
	clk.Add(MaxTokenLifetime + ClockSkew + time.Second)
	if err := v.Verify(ctx, p.mint(t, clk.Now(), tokenSpec{})); err != nil {
		t.Fatalf("after the others expired: %v", err)
	}
}

func TestVerifierUnknownKidRefetchesOnce(t *testing.T) {
	p := newPanelKeys(t)
	clk := &clock{now: time.Now()}
	v := newTestVerifier(t, p, 1, clk)
	ctx := context.Background()
	if err := v.Verify(ctx, p.mint(t, clk.Now(), tokenSpec{})); err != nil {
		t.Fatal(err)
	}
	// The panel rotates in k2 later: the first k2 token triggers exactly one refetch.
	clk.Add(JWKSRefetchInterval)
	p.addKey(t, "k2")
	if err := v.Verify(ctx, p.mint(t, clk.Now(), tokenSpec{kid: "k2"})); err != nil {
		t.Fatalf("k2 token: %v", err)
	}
	if n := p.fetches.Load(); n != 2 {
		t.Fatalf("fetches = %d, want 2", n)
	}
	// Unknown kids right after a fetch, even many at once, do not refetch.
	p.addKey(t, "k3")
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := v.Verify(ctx, p.mint(t, clk.Now(), tokenSpec{kid: "k3"})); !errors.Is(err, ErrTokenKey) {
				t.Errorf("k3 within the refetch interval: %v, want ErrTokenKey", err)
			}
		})
	}
	wg.Wait()
	if n := p.fetches.Load(); n != 2 {
		t.Fatalf("fetches = %d after 20 unknown-kid tokens, want still 2", n)
	}
	clk.Add(JWKSRefetchInterval)
	if err := v.Verify(ctx, p.mint(t, clk.Now(), tokenSpec{kid: "k3"})); err != nil {
		t.Fatalf("k3 after the interval: %v", err)
	}
	if n := p.fetches.Load(); n != 3 {
		t.Fatalf("fetches = %d, want 3", n)
	}
}

func TestVerifierPanelDown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	p := newPanelKeys(t)
	v, err := NewVerifier(VerifierOptions{JWKSURL: srv.URL + "/.well-known/jwks.json", NodeID: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(context.Background(), p.mint(t, time.Now(), tokenSpec{})); !errors.Is(err, ErrJWKS) || !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("Verify with the panel down: %v, want ErrUnauthorized and ErrJWKS", err)
	}
}

func TestVerifyRequestNeedsBearer(t *testing.T) {
	p := newPanelKeys(t)
	v := newTestVerifier(t, p, 1, &clock{now: time.Now()})
	for _, h := range []string{"", "Basic Zm9vOmJhcg==", "Bearer ", "Bearer"} {
		r := httptest.NewRequest(http.MethodGet, "/v1/health", nil)
		if h != "" {
			r.Header.Set("Authorization", h)
		}
		if err := v.VerifyRequest(r); !errors.Is(err, ErrTokenMissing) {
			t.Errorf("Authorization %q: %v, want ErrTokenMissing", h, err)
		}
	}
}

func TestNewVerifierOptions(t *testing.T) {
	for _, o := range []VerifierOptions{
		{JWKSURL: "", NodeID: 1},
		{JWKSURL: "/relative", NodeID: 1},
		{JWKSURL: "ftp://panel/jwks", NodeID: 1},
		{JWKSURL: "https://panel/.well-known/jwks.json", NodeID: 0},
	} {
		if _, err := NewVerifier(o); !errors.Is(err, ErrVerifierConfig) {
			t.Errorf("NewVerifier(%+v) = %v, want ErrVerifierConfig", o, err)
		}
	}
}
