// Package gosdk_test runs the Go SDK (the api module, github.com/skypanel/skypanel/api) against
// live panels: in-process panels (server/apitest: real SQLite, the real gin engine) with a real
// local node running standard servers as host processes, each behind a reverse proxy that
// validates every response against openapi.yaml. TestGoSDK checks the helpers from here, then
// runs the api module's own tests and runnable examples (`go test` in api/) against the same
// panels.
package gosdk_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/server/apitest"
)

// hangLimit only turns a hang into a failure; no assertion depends on time.
const hangLimit = 2 * time.Minute

// live is one panel behind its validating proxy.
type live struct {
	env   *apitest.Env
	url   string // the proxy
	check *apitest.Transport
}

func startLive(t *testing.T, opts ...apitest.Option) *live {
	t.Helper()
	env := apitest.Start(t, opts...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
		defer cancel()
		if err := env.App.CloseSockets(ctx); err != nil {
			t.Errorf("CloseSockets: %v", err)
		}
	})
	u, err := url.Parse(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	check := apitest.NewTransport(t, nil)
	srv := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(u); r.Out.Host = u.Host },
		Transport: check,
	})
	t.Cleanup(srv.Close)
	return &live{env: env, url: srv.URL, check: check}
}

func TestGoSDK(t *testing.T) {
	node := apitest.StartNode(t, daemon.Options{StatsInterval: time.Second, StopTimeout: 5 * time.Second,
		TermTimeout: 2 * time.Second, KillTimeout: 5 * time.Second, DrainTimeout: 300 * time.Millisecond})
	panel := startLive(t, apitest.WithNodes(node.Registry()))
	// 3 calls per client per 2 s: the retry example meets 429s with a short Retry-After
	limited := startLive(t, apitest.WithRateLimits(3, 1<<20, 2*time.Second))

	t.Run("token", func(t *testing.T) { testToken(t, panel) })
	t.Run("iterators", func(t *testing.T) { testIterators(t, panel) })
	t.Run("examples", func(t *testing.T) { runModuleTests(t, panel, limited) })

	seen := panel.check.Seen()
	for _, op := range []string{"getSelf", "listUsers", "listServers", "listNodes", "createServerWithGeneratedId",
		"startServer", "serverSocket", "getServer"} {
		if seen[op] == 0 {
			t.Errorf("no response of %s went through the validating proxy (seen %v)", op, seen)
		}
	}
	if n := limited.check.Seen()["getSelf"]; n <= 8 {
		t.Errorf("the limited panel answered getSelf %d times, want more than 8 (8 calls and their retries)", n)
	}
}

// testToken: tokens are fetched once and reused; a refresh margin longer than the token's life
// fetches a new one on every use; bad credentials are a typed 401.
func testToken(t *testing.T, l *live) {
	ctx := context.Background()
	p, err := api.New(l.url, l.env.AdminClientID, l.env.AdminClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.Check(p.GetSelfWithResponse(ctx)); err != nil {
		t.Fatal(err)
	}
	a, errA := p.Token()
	b, errB := p.Token()
	if errA != nil || errB != nil || a.AccessToken != b.AccessToken || !a.Expiry.After(time.Now().Add(time.Minute)) {
		t.Fatalf("tokens %v %v (%v, %v): want one token reused", a, b, errA, errB)
	}

	early, err := api.New(l.url, l.env.AdminClientID, l.env.AdminClientSecret, api.WithRefreshBefore(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	a, errA = early.Token()
	b, errB = early.Token()
	if errA != nil || errB != nil || a.AccessToken == b.AccessToken {
		t.Fatalf("tokens %v %v (%v, %v): a token within the refresh margin must be replaced", a, b, errA, errB)
	}
	if _, err := api.Check(early.GetSelfWithResponse(ctx)); err != nil {
		t.Fatalf("call with a refreshed token: %v", err)
	}

	bad, err := api.New(l.url, l.env.AdminClientID, "not-the-secret")
	if err != nil {
		t.Fatal(err)
	}
	_, err = api.Check(bad.GetSelfWithResponse(ctx))
	var ae *api.APIError
	if !errors.As(err, &ae) || ae.Status != 401 || !errors.Is(err, api.ErrUnauthorized) {
		t.Fatalf("bad secret: err = %v, want a 401 *APIError", err)
	}
}

// testIterators: Servers, Users and Nodes walk every page and agree with one big page.
func testIterators(t *testing.T, l *live) {
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	p, err := api.New(l.url, l.env.AdminClientID, l.env.AdminClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 5 {
		r, err := api.Check(p.CreateServerWithGeneratedIdWithResponse(ctx, api.ServerCreate{
			Name: "iter-" + string(rune('a'+i)), OwnerId: int64(l.env.AdminID),
			EnvironmentType: api.Ptr(api.EnvironmentTypeStandard), Startup: api.Ptr("echo hi")}))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, r.JSON201.Id)
		t.Cleanup(func() { _, _ = api.Check(p.DeleteServerWithResponse(context.Background(), r.JSON201.Id, nil)) })
	}
	var got []string
	for s, err := range p.Servers(ctx, &api.ListServersParams{Name: api.Ptr("iter-*"), Limit: api.Ptr(2)}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s.Id)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("Servers in pages of 2 = %v, want %v (ordered by id)", got, want)
	}

	one, err := api.Check(p.ListUsersWithResponse(ctx, &api.ListUsersParams{Limit: api.Ptr(100)}))
	if err != nil {
		t.Fatal(err)
	}
	var users []int64
	for u, err := range p.Users(ctx, &api.ListUsersParams{Limit: api.Ptr(1)}) {
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u.Id)
	}
	if len(users) != len(one.JSON200.Users) || int64(len(users)) != one.JSON200.Metadata.Paging.Total {
		t.Fatalf("Users in pages of 1 = %v, one page has %d of %d", users, len(one.JSON200.Users), one.JSON200.Metadata.Paging.Total)
	}
	n := 0
	for node, err := range p.Nodes(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if node.Id != int64(l.env.LocalNode.ID) {
			t.Fatalf("node %d, want the local node %d", node.Id, l.env.LocalNode.ID)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("Nodes yielded %d nodes, want 1", n)
	}
	// a bad filter is a typed 400 from the first page
	for _, err := range p.Servers(ctx, &api.ListServersParams{Limit: api.Ptr(101)}) {
		if !errors.Is(err, api.ErrInvalidInput) {
			t.Fatalf("limit 101: err = %v, want ErrInvalidInput", err)
		}
	}
}

// runModuleTests runs `go test` in the api module (its unit tests and every Example, which
// read the panels from the environment) and checks that the examples ran.
func runModuleTests(t *testing.T, main, limited *live) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	lid, lsecret := limited.env.NewClient(t, limited.env.AdminID, "admin")
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-v", "./...")
	cmd.Dir = "../../api"
	cmd.Env = append(os.Environ(),
		"SKYPANEL_URL="+main.url, "SKYPANEL_CLIENT_ID="+main.env.AdminClientID, "SKYPANEL_CLIENT_SECRET="+main.env.AdminClientSecret,
		"SKYPANEL_LIMITED_URL="+limited.url, "SKYPANEL_LIMITED_CLIENT_ID="+lid, "SKYPANEL_LIMITED_CLIENT_SECRET="+lsecret)
	out, err := cmd.CombinedOutput()
	t.Logf("go test in api/:\n%s", out)
	if err != nil {
		t.Fatalf("go test in api/: %v", err)
	}
	for _, ex := range []string{"ExampleNew", "ExamplePanel_Users", "ExamplePanel_Servers", "ExampleCheck", "ExamplePanel_Console", "ExampleWithRetryPolicy"} {
		if !strings.Contains(string(out), "--- PASS: "+ex+" ") {
			t.Errorf("%s did not pass (or did not run)", ex)
		}
	}
}
