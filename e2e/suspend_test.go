package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/server/apitest"
)

// tenantScopes are what the tenant of the suspension test holds: everything a hosting
// company's customer does, not server.suspend.
var tenantScopes = []string{"server.view", "server.status", "server.start", "server.stop", "server.console",
	"server.files.view", "server.files.edit"}

// TestSuspendDocker: a running docker server of a tenant is suspended: its open WebSocket
// gets the status (suspended: true) and closes with 4009, the container stops, and the
// tenant's start, console and files answer 409 ErrServerSuspended (the administrator cannot
// start it either). `skypanel serve` is restarted on the same data folder: the server is still
// suspended and stopped, the tenant still refused. Unsuspended, it stays stopped and the
// tenant starts it.
func TestSuspendDocker(t *testing.T) {
	t.Parallel()
	docker := environments[1]
	docker.require(t)
	p := startPanel(t, containerdFlag())
	tenantID, token := p.tenant(t, "sus-tenant", tenantScopes...)
	b := p.body(docker, echoLoop)
	b.OwnerId = tenantID
	s := p.create(t, serverID("suspend", docker), docker, b)
	s.start(t)
	s.echo(t, "before")
	pid := s.pidOf(t)
	tc := p.clientOf(t, token)
	ctx := context.Background()

	ws := p.dialSocket(t, s.id, token)
	defer ws.CloseNow()
	began := time.Now()
	if r, err := s.c.SuspendServerWithResponse(ctx, s.id); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("suspend: %v %s", err, body(r))
	}
	last := readUntilClose(t, ws, 4009)
	if last == nil || last.Type != "status" || !last.Status.Suspended {
		t.Errorf("last message before 4009: %+v, want a status with suspended: true", last)
	}
	st := s.waitState(t, stateStopped)
	t.Logf("suspend → socket closed and container stopped in %v (logged, not asserted)", time.Since(began))
	if !st.Suspended || alive(pid) {
		t.Errorf("after suspend: %+v, process %d alive %v", st, pid, alive(pid))
	}
	tenantRefused(t, tc, s.id)
	r, err := s.c.StartServerWithResponse(ctx, s.id)
	if err != nil {
		t.Fatal(err)
	}
	expectError(t, r, http.StatusConflict, api.ErrorCodeErrServerSuspended)

	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	p.launch(t)
	s.c, tc = p.client(t), p.clientOf(t, token)
	if st := s.status(t); st.State != stateStopped || st.Running || !st.Suspended {
		t.Errorf("after the panel restart: %+v, want stopped and suspended", st)
	}
	tenantRefused(t, tc, s.id)
	if st := s.status(t); st.State != stateStopped {
		t.Errorf("the refused start started it: %+v", st)
	}

	if r, err := s.c.UnsuspendServerWithResponse(ctx, s.id); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("unsuspend: %v %s", err, body(r))
	}
	if st := s.status(t); st.State != stateStopped || st.Suspended {
		t.Errorf("after unsuspend: %+v, want stopped, not suspended", st)
	}
	if r, err := tc.StartServerWithResponse(ctx, s.id); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("tenant start after unsuspend: %v %s", err, body(r))
	}
	s.echo(t, "after")
}

// tenantRefused: the tenant still sees the server (suspended) and its status, while start,
// console and files answer 409 ErrServerSuspended.
func tenantRefused(t *testing.T, tc *api.ClientWithResponses, id string) {
	t.Helper()
	ctx := context.Background()
	get, err := tc.GetServerWithResponse(ctx, id, nil)
	if err != nil || get.JSON200 == nil || !get.JSON200.Suspended {
		t.Fatalf("tenant GET server: %v %s", err, body(get))
	}
	status, err := tc.GetServerStatusWithResponse(ctx, id)
	if err != nil || status.JSON200 == nil || !status.JSON200.Suspended {
		t.Fatalf("tenant GET status: %v %s", err, body(status))
	}
	start, err := tc.StartServerWithResponse(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	expectError(t, start, http.StatusConflict, api.ErrorCodeErrServerSuspended)
	console, err := tc.GetServerConsoleWithResponse(ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	expectError(t, console, http.StatusConflict, api.ErrorCodeErrServerSuspended)
	files, err := tc.ListServerRootFolderWithResponse(ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	expectError(t, files, http.StatusConflict, api.ErrorCodeErrServerSuspended)
}

// tenant creates a non-admin user with scopes (through the API) and an OAuth2 client of it
// (`skypanel oauth2 create`), and returns the user's id and a token.
func (p *panel) tenant(t *testing.T, name string, scopes ...string) (int64, string) {
	t.Helper()
	ctx := context.Background()
	c := p.client(t)
	u, err := c.CreateUserWithResponse(ctx, api.UserCreate{Username: name, Email: "tenant@example.com",
		Password: ptr("tenant-pass-1")})
	if err != nil || u.JSON201 == nil {
		t.Fatalf("create user: %v %s", err, body(u))
	}
	grants := make([]api.GrantScope, len(scopes))
	for i, s := range scopes {
		grants[i] = api.GrantScope(s)
	}
	if r, err := c.SetUserPermsWithResponse(ctx, u.JSON201.Id, api.UserPermsUpdate{Scopes: grants}); err != nil ||
		r.StatusCode() != http.StatusNoContent {
		t.Fatalf("set perms: %v %s", err, body(r))
	}
	out, err := exec.Command(suite.bin, "oauth2", "create", "--data", p.dir, "--user", name,
		"--scopes", strings.Join(scopes, " "), "--json").Output()
	if err != nil {
		t.Fatalf("skypanel oauth2 create: %v %s", err, out)
	}
	var cl struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	if err := json.Unmarshal(out, &cl); err != nil {
		t.Fatalf("oauth2 create output %q: %v", out, err)
	}
	tok, err := c.Oauth2TokenWithFormdataBodyWithResponse(ctx, api.Oauth2TokenFormdataRequestBody{
		GrantType: "client_credentials", ClientId: &cl.ID, ClientSecret: &cl.Secret})
	if err != nil || tok.JSON200 == nil {
		t.Fatalf("tenant token: %v %s", err, body(tok))
	}
	return u.JSON201.Id, tok.JSON200.AccessToken
}

// clientOf is the generated client with token, every response validated.
func (p *panel) clientOf(t *testing.T, token string) *api.ClientWithResponses {
	t.Helper()
	c, err := api.NewClientWithResponses(p.url, api.WithHTTPClient(httpClient(t)),
		api.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// dialSocket opens the server's WebSocket with the token in the header and waits for its
// first status.
func (p *panel) dialSocket(t *testing.T, id, token string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws://"+p.addr+"/api/servers/"+id+"/socket", &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	if err != nil {
		t.Fatalf("dial the socket of %s: %v (%v)", id, err, resp)
	}
	for {
		m, err := readMessage(ctx, c)
		if err != nil {
			t.Fatalf("first status of %s: %v", id, err)
		}
		if m.Type == "status" {
			return c
		}
	}
}

// socketMessage is a server message; Status is its data when it is a status.
type socketMessage struct {
	Type   string          `json:"type"`
	Data   json.RawMessage `json:"data"`
	Status api.ServerStatus
}

// readMessage reads one message, validated against WsServerMessage.
func readMessage(ctx context.Context, c *websocket.Conn) (*socketMessage, error) {
	_, b, err := c.Read(ctx)
	if err != nil {
		return nil, err
	}
	doc, err := apitest.Spec()
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	if err := doc.Components.Schemas["WsServerMessage"].Value.VisitJSON(v); err != nil {
		return nil, fmt.Errorf("message %s: %w", b, err)
	}
	var m socketMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m.Type == "status" {
		if err := json.Unmarshal(m.Data, &m.Status); err != nil {
			return nil, err
		}
	}
	return &m, nil
}

// readUntilClose reads until the socket closes, checks the close code and returns the last
// message received.
func readUntilClose(t *testing.T, c *websocket.Conn, code websocket.StatusCode) *socketMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	var last *socketMessage
	for {
		m, err := readMessage(ctx, c)
		if err == nil {
			last = m
			continue
		}
		if got := websocket.CloseStatus(err); got != code {
			t.Fatalf("socket closed with %v (%v), want %v", got, err, code)
		}
		return last
	}
}
