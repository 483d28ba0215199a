package nodeapi

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v3"
	"github.com/go-jose/go-jose/v3/jwt"

	"github.com/skypanel/skypanel/apispec"
)

// panelKeys is a test panel: Ed25519 keys served as a JWKS on loopback, counting fetches.
type panelKeys struct {
	mu      sync.Mutex
	keys    map[string]ed25519.PrivateKey
	fetches atomic.Int32
	srv     *httptest.Server
}

func newPanelKeys(t testing.TB) *panelKeys {
	t.Helper()
	p := &panelKeys{keys: map[string]ed25519.PrivateKey{}}
	p.addKey(t, "k1")
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		p.fetches.Add(1)
		p.mu.Lock()
		var set jose.JSONWebKeySet
		for kid, k := range p.keys {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Public(), KeyID: kid, Algorithm: string(jose.EdDSA), Use: "sig"})
		}
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *panelKeys) addKey(t testing.TB, kid string) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.keys[kid] = priv
	p.mu.Unlock()
	return priv
}

func (p *panelKeys) key(kid string) ed25519.PrivateKey {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keys[kid]
}

func (p *panelKeys) jwksURL() string { return p.srv.URL + "/.well-known/jwks.json" }

// tokenSpec describes a token to mint; zero fields get the valid defaults.
type tokenSpec struct {
	kid      string
	key      any // signing key; default the panel's key for kid
	alg      jose.SignatureAlgorithm
	iss      string
	aud      []string
	iat, nbf time.Time
	exp      time.Time
	jti      string
	noTimes  bool
}

// mint signs a token for node 1 (by default) as the panel would, at now.
func (p *panelKeys) mint(t testing.TB, now time.Time, s tokenSpec) string {
	t.Helper()
	if s.kid == "" {
		s.kid = "k1"
	}
	if s.key == nil {
		s.key = p.key(s.kid)
	}
	if s.alg == "" {
		s.alg = jose.EdDSA
	}
	if s.iss == "" {
		s.iss = TokenIssuer
	}
	if s.aud == nil {
		s.aud = []string{Audience(1)}
	}
	if s.iat.IsZero() {
		s.iat = now
	}
	if s.nbf.IsZero() {
		s.nbf = s.iat
	}
	if s.exp.IsZero() {
		s.exp = s.iat.Add(MaxTokenLifetime)
	}
	if s.jti == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		s.jti = hex.EncodeToString(b)
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: s.alg, Key: s.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), s.kid))
	if err != nil {
		t.Fatal(err)
	}
	c := jwt.Claims{Issuer: s.iss, Audience: s.aud, ID: s.jti}
	if !s.noTimes {
		c.IssuedAt, c.NotBefore, c.Expiry = jwt.NewNumericDate(s.iat), jwt.NewNumericDate(s.nbf), jwt.NewNumericDate(s.exp)
	}
	tok, err := jwt.Signed(sig).Claims(c).CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// specTransport validates every response against daemon.yaml (apispec: the status must be
// declared, JSON bodies must match; streamed bodies are left to the tests). It adds the
// bearer token from tok, when set, to each request.
type specTransport struct {
	t   testing.TB
	tok func() string
}

func (st specTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	spec, err := daemonSpec()
	if err != nil {
		st.t.Fatal(err)
	}
	if st.tok != nil {
		req = req.Clone(req.Context())
		req.Header.Set("Authorization", "Bearer "+st.tok())
	}
	check := apispec.NewTransport(spec, nil, func(err error) {
		st.t.Errorf("response does not match daemon.yaml: %v", err)
	})
	return check.RoundTrip(req)
}

// envelope decodes an error envelope and returns its code.
func envelope(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var e struct {
		Error struct {
			Code string `json:"code"`
			Msg  string `json:"msg"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatalf("status %d: not an envelope: %v", resp.StatusCode, err)
	}
	return e.Error.Code
}
