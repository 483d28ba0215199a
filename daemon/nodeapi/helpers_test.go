package nodeapi

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/go-jose/go-jose/v3"
	"github.com/go-jose/go-jose/v3/jwt"
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

// daemonSpec is daemon.yaml, loaded once.
var daemonSpec = sync.OnceValues(func() (routers.Router, error) {
	b, err := os.ReadFile("../../daemon.yaml")
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	doc.Servers = nil // "/" only: match paths on any host
	return legacy.NewRouter(doc)
})

// specTransport validates every response against daemon.yaml (the status must be declared,
// JSON bodies must match; binary and NDJSON bodies are left to the tests). It adds the
// bearer token from tok, when set, to each request.
// TODO(apispec): use apispec's response validator once it is on main.
type specTransport struct {
	t   testing.TB
	tok func() string
}

func (st specTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if st.tok != nil {
		req = req.Clone(req.Context())
		req.Header.Set("Authorization", "Bearer "+st.tok())
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if err := checkResponse(req, resp); err != nil {
		st.t.Errorf("response does not match daemon.yaml: %s %s -> %d: %v", req.Method, req.URL.Path, resp.StatusCode, err)
	}
	return resp, nil
}

func checkResponse(req *http.Request, resp *http.Response) error {
	rt, err := daemonSpec()
	if err != nil {
		return err
	}
	route, params, err := rt.FindRoute(req)
	if err != nil {
		// Unknown routes: 404, or 401 first when the token is missing (auth runs before routing).
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusUnauthorized {
			return fmt.Errorf("unknown route answered %d", resp.StatusCode)
		}
		return nil
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	var body []byte
	ct := resp.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/json") || resp.StatusCode >= 400 {
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return err
		}
	} else {
		opts.ExcludeResponseBody = true
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	return openapi3filter.ValidateResponse(req.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: opts})
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
