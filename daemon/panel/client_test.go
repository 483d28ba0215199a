package panel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	skypanel "github.com/skypanel/skypanel"
)

// panelRouter routes requests against openapi.yaml.
var panelRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(skypanel.OpenAPI)
	if err != nil {
		return nil, err
	}
	doc.Servers = nil
	return legacy.NewRouter(doc)
})

// fakePanel stands in for the panel's two endpoints the daemon calls (unit logic only; the
// real panel is exercised by cmd/skypanel's daemon test). Every request the client sends is
// validated against openapi.yaml.
type fakePanel struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	valid    map[string]bool // access tokens accepted
	issued   atomic.Int32
	checkins []string     // bootIds
	down     atomic.Int32 // answer this many more requests with 503
	life     int          // expires_in
	// ops answers further operations (by operationId) after the token check (sftp_test.go).
	ops map[string]func(w http.ResponseWriter, r *http.Request, in *openapi3filter.RequestValidationInput)
}

func newFakePanel(t *testing.T) *fakePanel {
	p := &fakePanel{t: t, valid: map[string]bool{}, life: 3600}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *fakePanel) serve(w http.ResponseWriter, r *http.Request) {
	rt, err := panelRouter()
	if err != nil {
		p.t.Fatal(err)
	}
	route, params, err := rt.FindRoute(r)
	if err != nil {
		p.t.Errorf("%s %s: not in openapi.yaml: %v", r.Method, r.URL.Path, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		p.t.Errorf("%s %s: request does not match openapi.yaml: %v", r.Method, r.URL.Path, err)
	}
	if p.down.Load() > 0 {
		p.down.Add(-1)
		http.Error(w, `{"error":{"code":"ErrInternal","msg":"down"}}`, http.StatusServiceUnavailable)
		return
	}
	switch route.Operation.OperationID {
	case "oauth2Token":
		_ = r.ParseForm()
		if r.PostForm.Get("client_id") != ".node_7" || r.PostForm.Get("client_secret") != "s3cret" || r.PostForm.Get("scope") != "node" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
			return
		}
		tok := fmt.Sprintf("token-%d", p.issued.Add(1))
		p.mu.Lock()
		p.valid[tok] = true
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": p.life, "scope": "node"})
	case "nodeCheckin":
		p.mu.Lock()
		ok := p.valid[r.Header.Get("Authorization")[len("Bearer "):]]
		p.mu.Unlock()
		if !ok || params["id"] != "7" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"code":"ErrUnauthorized","msg":"bad token"}}`)
			return
		}
		var body struct {
			BootID  string `json:"bootId"`
			Version string `json:"version"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		p.mu.Lock()
		p.checkins = append(p.checkins, body.BootID+"/"+body.Version)
		p.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		if h := p.ops[route.Operation.OperationID]; h != nil {
			h(w, r, in)
			return
		}
		p.t.Errorf("unexpected operation %s", route.Operation.OperationID)
	}
}

func (p *fakePanel) revokeAll() {
	p.mu.Lock()
	clear(p.valid)
	p.mu.Unlock()
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newTestClient(t *testing.T, p *fakePanel, clk *testClock, mod func(*Options)) *Client {
	t.Helper()
	o := Options{PanelURL: p.srv.URL + "/", ClientID: ".node_7", ClientSecret: "s3cret", BootID: "boot-A", Version: "1.2.3", Now: clk.Now}
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNodeIDOf(t *testing.T) {
	for in, want := range map[string]int{".node_1": 1, ".node_42": 42} {
		if got, err := NodeIDOf(in); err != nil || got != want {
			t.Errorf("NodeIDOf(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "node_1", ".node_", ".node_0", ".node_-1", ".node_01", ".node_1x", "admin"} {
		if _, err := NodeIDOf(in); !errors.Is(err, ErrClientID) {
			t.Errorf("NodeIDOf(%q) = %v, want ErrClientID", in, err)
		}
	}
}

func TestCheckIn(t *testing.T) {
	p := newFakePanel(t)
	c := newTestClient(t, p, &testClock{now: time.Now()}, nil)
	if c.NodeID() != 7 || c.JWKSURL() != p.srv.URL+"/.well-known/jwks.json" {
		t.Fatalf("node %d, JWKS %s", c.NodeID(), c.JWKSURL())
	}
	for range 2 {
		if err := c.CheckIn(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(p.checkins) != 2 || p.checkins[0] != "boot-A/1.2.3" {
		t.Fatalf("check-ins %v", p.checkins)
	}
	if n := p.issued.Load(); n != 1 {
		t.Errorf("%d tokens issued for two check-ins, want 1 (cached)", n)
	}
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	p := newFakePanel(t)
	p.life = 100
	clk := &testClock{now: time.Now()}
	ts := newTestClient(t, p, clk, nil).Tokens()
	ctx := context.Background()
	first, err := ts.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(79 * time.Second)
	if tok, _ := ts.Token(ctx); tok != first {
		t.Fatalf("token replaced after 79 s of 100")
	}
	clk.Add(2 * time.Second) // 81 s: within the last fifth of its life
	if tok, _ := ts.Token(ctx); tok == first || p.issued.Load() != 2 {
		t.Fatalf("token not refreshed at 81 s of 100 (issued %d)", p.issued.Load())
	}
}

func TestCheckInRenewsRefusedToken(t *testing.T) {
	p := newFakePanel(t)
	c := newTestClient(t, p, &testClock{now: time.Now()}, nil)
	ctx := context.Background()
	if err := c.CheckIn(ctx); err != nil {
		t.Fatal(err)
	}
	p.revokeAll() // e.g. the panel revoked it
	if err := c.CheckIn(ctx); err != nil {
		t.Fatalf("check-in after revocation: %v", err)
	}
	if n := p.issued.Load(); n != 2 {
		t.Errorf("tokens issued %d, want 2", n)
	}
}

func TestCheckInErrors(t *testing.T) {
	p := newFakePanel(t)
	bad := newTestClient(t, p, &testClock{now: time.Now()}, func(o *Options) { o.ClientSecret = "wrong" })
	if err := bad.CheckIn(context.Background()); !errors.Is(err, ErrCredentials) {
		t.Errorf("wrong secret: %v, want ErrCredentials", err)
	}
	p.down.Store(1)
	c := newTestClient(t, p, &testClock{now: time.Now()}, nil)
	if err := c.CheckIn(context.Background()); !errors.Is(err, ErrPanelUnavailable) {
		t.Errorf("panel answering 503: %v, want ErrPanelUnavailable", err)
	}
	p.srv.Close()
	if err := c.CheckIn(context.Background()); !errors.Is(err, ErrPanelUnavailable) {
		t.Errorf("panel gone: %v, want ErrPanelUnavailable", err)
	}
}

func TestRunBacksOffWhilePanelDown(t *testing.T) {
	p := newFakePanel(t)
	p.down.Store(4) // four failed check-ins (token requests answered 503)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var results []error
	c := newTestClient(t, p, &testClock{now: time.Now()}, func(o *Options) {
		o.OnCheckIn = func(err error) { results = append(results, err) }
	})
	var waits []time.Duration
	c.wait = func(_ context.Context, d time.Duration) bool {
		waits = append(waits, d)
		if len(results) == 6 {
			cancel()
			return false
		}
		return true
	}
	c.Run(ctx)
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, DefaultInterval, DefaultInterval}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
	for i, err := range results {
		if (i < 4) != (err != nil) {
			t.Errorf("check-in %d: %v", i, err)
		}
	}
	if len(p.checkins) != 2 {
		t.Errorf("check-ins recorded %d, want 2", len(p.checkins))
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	for _, o := range []Options{
		{PanelURL: "https://p", ClientID: "admin", ClientSecret: "s"},
		{PanelURL: "p", ClientID: ".node_1", ClientSecret: "s"},
		{PanelURL: "https://p", ClientID: ".node_1"},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}
