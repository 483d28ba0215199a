package nodeapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// testDaemon is Handler over a fakeNode behind a loopback server, with a panel that mints
// tokens, and a client whose every response is validated against daemon.yaml.
type testDaemon struct {
	node   *fakeNode
	panel  *panelKeys
	srv    *httptest.Server
	client *http.Client // sends a fresh panel token per request
	api    *daemonapi.ClientWithResponses
}

func newTestDaemon(t *testing.T, opts HandlerOptions) *testDaemon {
	t.Helper()
	d := &testDaemon{node: newFakeNode(), panel: newPanelKeys(t)}
	if opts.Verifier == nil && !opts.NoAuth {
		v, err := NewVerifier(VerifierOptions{JWKSURL: d.panel.jwksURL(), NodeID: 1})
		if err != nil {
			t.Fatal(err)
		}
		opts.Verifier = v
	}
	d.srv = httptest.NewServer(Handler(d.node, opts))
	t.Cleanup(d.srv.Close)
	d.client = &http.Client{Transport: specTransport{t: t, tok: func() string { return d.panel.mint(t, time.Now(), tokenSpec{}) }}}
	api, err := daemonapi.NewClientWithResponses(d.srv.URL, daemonapi.WithHTTPClient(d.client))
	if err != nil {
		t.Fatal(err)
	}
	d.api = api
	return d
}

// do sends a request with a fresh token and a validated response.
func (d *testDaemon) do(t *testing.T, method, path string, body io.Reader, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, d.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestHandlerNeedsPanelToken(t *testing.T) {
	d := newTestDaemon(t, HandlerOptions{})
	raw := &http.Client{Transport: specTransport{t: t}}
	for name, auth := range map[string]string{
		"none":          "",
		"garbage":       "Bearer abc",
		"other node":    "Bearer " + d.panel.mint(t, time.Now(), tokenSpec{aud: []string{Audience(2)}}),
		"basic":         "Basic Zm9vOmJhcg==",
		"expired token": "Bearer " + d.panel.mint(t, time.Now(), tokenSpec{iat: time.Now().Add(-10 * time.Minute), exp: time.Now().Add(-6 * time.Minute)}),
	} {
		req, _ := http.NewRequest(http.MethodGet, d.srv.URL+"/v1/health", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := raw.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusUnauthorized || envelope(t, resp) != "ErrUnauthorized" {
			t.Errorf("%s: status %d, want 401 ErrUnauthorized", name, resp.StatusCode)
		}
	}
	// A valid token, once: the replay is refused.
	tok := d.panel.mint(t, time.Now(), tokenSpec{})
	for i, want := range []int{http.StatusOK, http.StatusUnauthorized} {
		req, _ := http.NewRequest(http.MethodGet, d.srv.URL+"/v1/health", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := raw.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("use %d of one token: status %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	// Unknown routes are refused before routing too (nothing is learnt without a token).
	resp, err := raw.Get(d.srv.URL + "/v1/nothing")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unknown route without token: %d, want 401", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestHandlerWithoutVerifierRefusesAll(t *testing.T) {
	srv := httptest.NewServer(Handler(newFakeNode(), HandlerOptions{}))
	defer srv.Close()
	p := newPanelKeys(t)
	c := &http.Client{Transport: specTransport{t: t, tok: func() string { return p.mint(t, time.Now(), tokenSpec{}) }}}
	resp, err := c.Get(srv.URL + "/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnauthorized || envelope(t, resp) != "ErrUnauthorized" {
		t.Fatalf("no verifier: %d, want 401", resp.StatusCode)
	}
}

func TestHandlerServerOperations(t *testing.T) {
	d := newTestDaemon(t, HandlerOptions{})
	ctx := context.Background()
	h, err := d.api.GetHealthWithResponse(ctx)
	if err != nil || h.JSON200 == nil || h.JSON200.BootId != "boot-1" {
		t.Fatalf("health: %v %+v", err, h)
	}
	if r, err := d.api.GetSystemWithResponse(ctx); err != nil || r.JSON200 == nil || r.JSON200.Cpu.Cores != 2 {
		t.Fatalf("system: %v %v", err, r.Status())
	}
	if r, err := d.api.GetFeaturesWithResponse(ctx); err != nil || r.JSON200 == nil || !r.JSON200.Standard {
		t.Fatalf("features: %v %v", err, r.Status())
	}
	def := daemonapi.Definition{Id: "SRV1", Name: "one", Environment: daemonapi.EnvironmentStandard, Startup: "echo hi"}
	if r, err := d.api.CreateServerWithResponse(ctx, def); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("create: %v %v", err, r.Status())
	}
	list, err := d.api.ListServersWithResponse(ctx)
	if err != nil || list.JSON200 == nil || len(list.JSON200.Servers) != 1 || list.JSON200.Servers[0].Id != "SRV1" {
		t.Fatalf("list: %v %s", err, list.Body)
	}
	def.Name = "renamed"
	if r, err := d.api.UpdateServerWithResponse(ctx, "SRV1", def); err != nil || r.JSON200 == nil || r.JSON200.Applied != daemonapi.UpdateResultAppliedNextStart {
		t.Fatalf("update: %v %s", err, r.Body)
	}
	if got := d.node.servers["SRV1"].Name; got != "renamed" {
		t.Errorf("definition name after update = %q", got)
	}
	if r, err := d.api.UpdateServerWithResponse(ctx, "OTHER", def); err != nil || r.StatusCode() != http.StatusBadRequest || r.JSONDefault.Error.Code != "ErrFieldInvalid" {
		t.Fatalf("update with a mismatched id: %v %s", err, r.Body)
	}
	if r, err := d.api.PowerWithResponse(ctx, "SRV1", daemonapi.PowerRequest{Action: daemonapi.PowerRequestActionStart}); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("power: %v %v", err, r.Status())
	}
	if r, err := d.api.UpdateServerWithResponse(ctx, "SRV1", def); err != nil || r.JSON200 == nil || r.JSON200.Applied != daemonapi.UpdateResultAppliedLive {
		t.Fatalf("update of a running server: %v %s", err, r.Body)
	}
	wipe := true
	if r, err := d.api.InstallWithResponse(ctx, "SRV1", daemonapi.InstallRequest{Wipe: &wipe}); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("install with wipe: %v %s", err, r.Body)
	}
	if r, err := d.api.InstallWithBodyWithResponse(ctx, "SRV1", "", nil); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("install without a body: %v %s", err, r.Body)
	}
	if len(d.node.installs) != 2 || !d.node.installs[0] || d.node.installs[1] {
		t.Errorf("node got installs with wipe %v, want [true false]", d.node.installs)
	}
	if r, err := d.api.SendCommandWithResponse(ctx, "SRV1", daemonapi.CommandRequest{Command: "say hi"}); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("command: %v %v", err, r.Status())
	}
	since := int64(7)
	c, err := d.api.GetConsoleWithResponse(ctx, "SRV1", &daemonapi.GetConsoleParams{Since: &since})
	if err != nil || c.JSON200 == nil || c.JSON200.Cursor != 8 || c.JSON200.Lines[0] != "since 7" {
		t.Fatalf("console: %v %s", err, c.Body)
	}
	if len(d.node.power) != 1 || d.node.power[0] != "start" || len(d.node.commands) != 1 || d.node.commands[0] != "say hi" {
		t.Errorf("node got power %v, commands %v", d.node.power, d.node.commands)
	}
	st, err := d.api.GetStatusWithResponse(ctx, "NOPE")
	if err != nil || st.StatusCode() != http.StatusNotFound || st.JSONDefault.Error.Code != "ErrServerNotFound" {
		t.Fatalf("status of an unknown server: %v %s", err, st.Body)
	}
	if r, err := d.api.DeleteServerWithResponse(ctx, "SRV1"); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: %v %v", err, r.Status())
	}
}

func TestHandlerBadRequests(t *testing.T) {
	d := newTestDaemon(t, HandlerOptions{MaxJSONBody: 4096})
	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		code                            string
		header                          map[string]string
	}{
		{"malformed JSON", "POST", "/v1/servers", "application/json", `{"id":`, 400, "ErrFieldInvalid", nil},
		{"JSON too large", "POST", "/v1/servers", "application/json", `{"name":"` + strings.Repeat("x", 8192) + `"}`, 413, "ErrFieldInvalid", nil},
		{"bad query parameter", "GET", "/v1/servers/S/console?since=abc", "", "", 400, "ErrFieldInvalid", nil},
		{"missing path parameter", "GET", "/v1/servers/S/files", "", "", 400, "ErrFieldInvalid", nil},
		{"upload as JSON", "PUT", "/v1/servers/S/files?path=a", "application/json", `{}`, 415, "ErrUnsupportedMediaType", nil},
		{"unknown route", "GET", "/v1/nothing", "", "", 404, "ErrRouteNotFound", nil},
		{"known path, wrong method", "PATCH", "/v1/servers/S", "application/json", `{}`, 405, "ErrMethodNotAllowed", nil},
		{"power action outside the enum", "POST", "/v1/servers/S/power", "application/json", `{"action":"dance"}`, 400, "ErrFieldInvalid", nil},
		{"definition without startup", "POST", "/v1/servers", "application/json", `{"id":"S2","name":"n","environment":"standard","limits":{}}`, 400, "ErrFieldInvalid", nil},
		{"server id outside its pattern", "GET", "/v1/servers/-bad/status", "", "", 400, "ErrFieldInvalid", nil},
		{"event buffer out of range", "GET", "/v1/servers/S/events?buffer=0", "", "", 400, "ErrFieldInvalid", nil},
		{"import with a malformed checksum", "PUT", "/v1/servers/S/archive", "application/x-tar", "x", 400, "ErrFieldInvalid", map[string]string{"X-Archive-Sha256": "nothex"}},
	}
	d.node.servers["S"] = daemonapi.Definition{Id: "S"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			for k, v := range tc.header {
				hdr[k] = v
			}
			if tc.ctype != "" {
				hdr["Content-Type"] = tc.ctype
			}
			resp := d.do(t, tc.method, tc.path, strings.NewReader(tc.body), hdr)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if got := envelope(t, resp); got != tc.code {
				t.Errorf("code %q, want %q", got, tc.code)
			}
		})
	}
	if len(d.node.files) != 0 {
		t.Errorf("a refused upload stored files: %v", d.node.files)
	}
}

func TestHandlerListsFolder(t *testing.T) {
	d := newTestDaemon(t, HandlerOptions{})
	d.node.servers["S"] = daemonapi.Definition{Id: "S"}
	d.node.files["a.txt"] = []byte("hello")
	r, err := d.api.ReadFileWithResponse(context.Background(), "S", &daemonapi.ReadFileParams{Path: "/"})
	if err != nil || r.JSON200 == nil {
		t.Fatalf("list: %v %s", err, r.Body)
	}
	if r.JSON200.Total != 1 || r.JSON200.Entries[0].Name != "a.txt" || r.JSON200.Entries[0].Size != 5 {
		t.Fatalf("listing %+v", r.JSON200)
	}
}

func TestHandlerEventsStream(t *testing.T) {
	d := newTestDaemon(t, HandlerOptions{PingInterval: 20 * time.Millisecond})
	d.node.servers["S"] = daemonapi.Definition{Id: "S"}
	resp := d.do(t, "GET", "/v1/servers/S/events?buffer=8", nil, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	dec := json.NewDecoder(resp.Body)
	next := func() daemonapi.Event {
		t.Helper()
		var ev daemonapi.Event
		if err := dec.Decode(&ev); err != nil {
			t.Fatalf("decode event: %v", err)
		}
		if !ev.Kind.Valid() {
			t.Fatalf("event kind %q not in daemon.yaml", ev.Kind)
		}
		return ev
	}
	first := next()
	if first.Kind != daemonapi.EventKindBacklog || first.Backlog == nil || (*first.Backlog)[0].Text != "old line" {
		t.Fatalf("first event %+v, want the backlog", first)
	}
	if cap(d.node.stream.ch) != 8 {
		t.Errorf("stream buffer %d, want the requested 8", cap(d.node.stream.ch))
	}
	// Nothing happens: pings keep the connection alive.
	if ev := next(); ev.Kind != daemonapi.EventKindPing {
		t.Fatalf("idle stream sent %+v, want a ping", ev)
	}
	line := daemonapi.ConsoleLine{Cursor: 2, Time: 2, Text: "new line"}
	d.node.stream.ch <- daemonapi.Event{Kind: daemonapi.EventKindConsole, Line: &line}
	for {
		ev := next()
		if ev.Kind == daemonapi.EventKindPing {
			continue
		}
		if ev.Kind != daemonapi.EventKindConsole || ev.Line.Text != "new line" {
			t.Fatalf("got %+v, want the console line", ev)
		}
		break
	}
	d.node.stream.ch <- daemonapi.Event{Kind: daemonapi.EventKindDeleted}
	for {
		var ev daemonapi.Event
		err := dec.Decode(&ev)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after deleted: %v", err)
		}
		if ev.Kind != daemonapi.EventKindPing && ev.Kind != daemonapi.EventKindDeleted {
			t.Fatalf("after deleted: %+v", ev)
		}
	}
	<-d.node.stream.closed // the handler closed the subscription
}

func TestHandlerEventsEndOnDisconnect(t *testing.T) {
	d := newTestDaemon(t, HandlerOptions{})
	d.node.servers["S"] = daemonapi.Definition{Id: "S"}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", d.srv.URL+"/v1/servers/S/events", nil)
	resp, err := d.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ev daemonapi.Event
	if err := json.NewDecoder(resp.Body).Decode(&ev); err != nil || ev.Kind != daemonapi.EventKindBacklog {
		t.Fatalf("first event: %v %+v", err, ev)
	}
	cancel()
	resp.Body.Close()
	<-d.node.stream.closed // the subscription is closed once the client is gone
}

func TestHandlerEventsUnknownServer(t *testing.T) {
	d := newTestDaemon(t, HandlerOptions{})
	resp := d.do(t, "GET", "/v1/servers/NOPE/events", nil, nil)
	if resp.StatusCode != http.StatusNotFound || envelope(t, resp) != "ErrServerNotFound" {
		t.Fatalf("events of an unknown server: %d", resp.StatusCode)
	}
}
