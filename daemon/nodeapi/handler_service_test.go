package nodeapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// serviceClient serves s behind Handler (node 7, real panel tokens, responses checked against
// daemon.yaml) until the test ends, and returns a generated client, the base URL and the
// HTTP client that adds a token.
func serviceClient(t *testing.T, s *Service) (*daemonapi.ClientWithResponses, string, *http.Client) {
	t.Helper()
	p := newPanelKeys(t)
	v, err := NewVerifier(VerifierOptions{JWKSURL: p.jwksURL(), NodeID: 7})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(s, HandlerOptions{Verifier: v}))
	t.Cleanup(srv.Close)
	c := &http.Client{Transport: specTransport{t: t, tok: func() string {
		return p.mint(t, time.Now(), tokenSpec{aud: []string{Audience(7)}})
	}}}
	api, err := daemonapi.NewClientWithResponses(srv.URL, daemonapi.WithHTTPClient(c))
	if err != nil {
		t.Fatal(err)
	}
	return api, srv.URL, c
}

// TestHandlerOverService runs the real Service (daemon.Manager, files; fake runtime) behind
// Handler with real panel tokens: the wire carries power, events, files with HTTP semantics
// and the code table's errors.
func TestHandlerOverService(t *testing.T) {
	s, _ := newTestService(t)
	api, base, c := serviceClient(t, s)
	ctx := t.Context()

	h, err := api.GetHealthWithResponse(ctx)
	if err != nil || h.JSON200 == nil || h.JSON200.NodeId != 7 {
		t.Fatalf("health: %v %s", err, h.Body)
	}
	if r, err := api.CreateServerWithResponse(ctx, testDef("web1")); err != nil || r.StatusCode() != 204 {
		t.Fatalf("create: %v %s", err, r.Body)
	}
	other := testDef("web1")
	other.Startup = "something else"
	if r, err := api.CreateServerWithResponse(ctx, other); err != nil || r.StatusCode() != 409 || r.JSONDefault.Error.Code != daemonapi.DaemonErrorCodeErrServerExists {
		t.Fatalf("create again: %v %d %s", err, r.StatusCode(), r.Body)
	}
	if r, err := api.PowerWithResponse(ctx, "web1", daemonapi.PowerRequest{Action: daemonapi.PowerRequestActionStart}); err != nil || r.StatusCode() != 204 {
		t.Fatalf("start: %v %s", err, r.Body)
	}
	events, err := api.StreamEvents(ctx, "web1", nil)
	if err != nil || events.StatusCode != 200 {
		t.Fatalf("events: %v", err)
	}
	defer events.Body.Close()
	dec := json.NewDecoder(events.Body)
	var first daemonapi.Event
	if err := dec.Decode(&first); err != nil || first.Kind != daemonapi.EventKindBacklog {
		t.Fatalf("first event %+v, %v", first, err)
	}
	if r, err := api.SendCommandWithResponse(ctx, "web1", daemonapi.CommandRequest{Command: "hello"}); err != nil || r.StatusCode() != 204 {
		t.Fatalf("command: %v %s", err, r.Body)
	}
	for {
		var ev daemonapi.Event
		if err := dec.Decode(&ev); err != nil {
			t.Fatalf("events ended before the echo: %v", err)
		}
		if ev.Kind == daemonapi.EventKindConsole && ev.Line != nil && strings.Contains(ev.Line.Text, "echo:hello") {
			break
		}
	}

	body := strings.Repeat("line of a config file\n", 5000)
	up, err := api.WriteFileWithBodyWithResponse(ctx, "web1", &daemonapi.WriteFileParams{Path: "cfg/server.properties"},
		"application/octet-stream", strings.NewReader(body))
	if err != nil || up.StatusCode() != 204 {
		t.Fatalf("upload: %v %s", err, up.Body)
	}
	get := func(hdr map[string]string) *http.Response {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/v1/servers/web1/files?path=cfg%2Fserver.properties", nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	full := get(nil)
	got, _ := io.ReadAll(full.Body)
	full.Body.Close()
	etag := full.Header.Get("ETag")
	if full.StatusCode != 200 || string(got) != body || etag == "" {
		t.Fatalf("download: %d, %d bytes, ETag %q", full.StatusCode, len(got), etag)
	}
	part := get(map[string]string{"Range": "bytes=22-43", "If-Range": etag})
	got, _ = io.ReadAll(part.Body)
	part.Body.Close()
	if part.StatusCode != 206 || string(got) != body[22:44] {
		t.Fatalf("range: %d %q", part.StatusCode, got)
	}
	if nm := get(map[string]string{"If-None-Match": etag}); nm.StatusCode != 304 {
		t.Fatalf("If-None-Match: %d", nm.StatusCode)
	}
	r, err := api.ReadFileWithResponse(ctx, "web1", &daemonapi.ReadFileParams{Path: "../../etc/passwd"})
	if err != nil || r.StatusCode() != 400 || r.JSONDefault.Error.Code != daemonapi.DaemonErrorCodeErrPathInvalid {
		t.Fatalf("path escape: %v %d %s", err, r.StatusCode(), r.Body)
	}
	if r, err := api.PowerWithResponse(ctx, "web1", daemonapi.PowerRequest{Action: daemonapi.PowerRequestActionKill}); err != nil || r.StatusCode() != 204 {
		t.Fatalf("kill: %v %s", err, r.Body)
	}
}
