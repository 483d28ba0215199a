package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// gameScript is the "game" of the socket tests (a standard server, /bin/sh): it echoes
// commands, exits cleanly on "stop", crashes (exit 3) on "crash", and on "flood TAG N"
// prints N padded lines "TAG line I ..." then "TAG done".
const gameScript = `echo ready; while read -r l; do case "$l" in ` +
	`stop) echo bye; exit 0;; crash) exit 3;; ` +
	`flood\ *) set -- $l; i=0; while [ $i -lt $3 ]; do ` +
	`echo "$2 line $i ............................................................"; i=$((i+1)); done; echo "$2 done";; ` +
	`*) echo "echo:$l";; esac; done`

// hangLimit only turns a hang into a failure; no assertion depends on time.
const hangLimit = 30 * time.Second

var serverSeq atomic.Int32

// sockEnv is a panel with a real local node (daemon Manager + host runtime).
type sockEnv struct {
	*apitest.Env
	node  *apitest.Node
	admin string
}

func startSockEnv(t *testing.T, so server.SocketOptions, opts ...apitest.Option) *sockEnv {
	t.Helper()
	node := apitest.StartNode(t, daemon.Options{StatsInterval: 100 * time.Millisecond, StopTimeout: 5 * time.Second,
		TermTimeout: 2 * time.Second, KillTimeout: 5 * time.Second, DrainTimeout: 300 * time.Millisecond})
	env := apitest.Start(t, append([]apitest.Option{apitest.WithNodes(node.Registry())}, opts...)...)
	env.App.SetSocketOptions(so)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
		defer cancel()
		if err := env.App.CloseSockets(ctx); err != nil {
			t.Errorf("CloseSockets: %v", err)
		}
	})
	return &sockEnv{Env: env, node: node, admin: env.AdminToken(t)}
}

// createServer creates a standard server running gameScript, owned by ownerID.
func (e *sockEnv) createServer(t *testing.T, ownerID int) string {
	t.Helper()
	id := fmt.Sprintf("ws%d", serverSeq.Add(1))
	r := e.DoJSON(t, http.MethodPut, "/api/servers/"+id, e.admin, map[string]any{
		"name": "socket test", "ownerId": ownerID, "environmentType": "standard", "startup": gameScript,
	})
	if r.Status != http.StatusCreated {
		t.Fatalf("create server: %d %s", r.Status, r.Body)
	}
	return id
}

// power runs a power action through the API.
func (e *sockEnv) power(t *testing.T, id, action string) {
	t.Helper()
	if r := e.Do(t, http.MethodPost, "/api/servers/"+id+"/"+action, e.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("%s %s: %d %s", action, id, r.Status, r.Body)
	}
}

// wsConn is a test client socket.
type wsConn struct {
	c *websocket.Conn
	// validate: how many more received messages to validate against WsServerMessage (the
	// high-volume tests validate a sample).
	validate int
}

// wsMsg is a received server message.
type wsMsg struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

func (m wsMsg) text() string {
	var s string
	_ = json.Unmarshal(m.Data, &s)
	return s
}

func (m wsMsg) field(name string) any {
	var v map[string]any
	_ = json.Unmarshal(m.Data, &v)
	return v[name]
}

// dial opens the socket of a server; token (if any) goes in the Authorization header. client
// nil uses the response-validating transport. A 101 is checked against the spec here (the
// transport passes upgrades through untouched).
func (e *sockEnv) dial(t testing.TB, id, token string, header http.Header, client *http.Client) (*wsConn, *http.Response, error) {
	t.Helper()
	h := header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	if client == nil {
		client = e.Raw(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, e.URL+"/api/servers/"+id+"/socket", &websocket.DialOptions{HTTPClient: client, HTTPHeader: h})
	if err != nil {
		return nil, resp, err
	}
	check101(t, resp)
	c.SetReadLimit(1 << 20)
	return &wsConn{c: c, validate: 1 << 30}, resp, nil
}

// mustDial is dial that fails the test on error.
func (e *sockEnv) mustDial(t testing.TB, id, token string) *wsConn {
	t.Helper()
	w, resp, err := e.dial(t, id, token, nil, nil)
	if err != nil {
		t.Fatalf("dial %s: %v (%v)", id, err, respSummary(resp))
	}
	return w
}

func respSummary(resp *http.Response) string {
	if resp == nil {
		return "no response"
	}
	var b bytes.Buffer
	if resp.Body != nil {
		_, _ = b.ReadFrom(resp.Body)
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, b.String())
}

// check101 validates the upgrade response against the spec: a declared status and the
// X-API-Version header.
func check101(t testing.TB, resp *http.Response) {
	t.Helper()
	route, _, err := apitest.FindRoute(http.MethodGet, resp.Request.URL.EscapedPath())
	if err != nil {
		t.Fatalf("upgrade response: %v", err)
	}
	if route.Operation.OperationID != "serverSocket" || route.Operation.Responses.Status(http.StatusSwitchingProtocols) == nil {
		t.Fatalf("%s does not declare 101", route.Operation.OperationID)
	}
	if got := resp.Header.Get("X-API-Version"); got != "v1" {
		t.Fatalf("101 X-API-Version = %q", got)
	}
}

// next reads one message (validated against WsServerMessage while w.validate > 0).
func (w *wsConn) next(ctx context.Context) (wsMsg, error) {
	_, b, err := w.c.Read(ctx)
	if err != nil {
		return wsMsg{}, err
	}
	var m wsMsg
	if w.validate > 0 {
		w.validate--
		if err := validateServerMessage(b); err != nil {
			return m, fmt.Errorf("message %s does not match WsServerMessage: %w", b, err)
		}
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("message %q: %w", b, err)
	}
	return m, nil
}

func validateServerMessage(b []byte) error {
	doc, err := apitest.Spec()
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	return doc.Components.Schemas["WsServerMessage"].Value.VisitJSON(v)
}

// expect reads until a message matches and returns it.
func (w *wsConn) expect(t testing.TB, what string, match func(wsMsg) bool) wsMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	for {
		m, err := w.next(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if match(m) {
			return m
		}
	}
}

// expectLine waits for a console line containing substr.
func (w *wsConn) expectLine(t testing.TB, substr string) {
	t.Helper()
	w.expect(t, "console line "+substr, func(m wsMsg) bool { return m.Type == "console" && strings.Contains(m.text(), substr) })
}

// expectStatus waits for a status message with state.
func (w *wsConn) expectStatus(t testing.TB, state string) {
	t.Helper()
	w.expect(t, "status "+state, func(m wsMsg) bool { return m.Type == "status" && m.field("state") == state })
}

// expectError waits for an error message with code.
func (w *wsConn) expectError(t testing.TB, code string) wsMsg {
	t.Helper()
	return w.expect(t, "error "+code, func(m wsMsg) bool { return m.Type == "error" && m.field("code") == code })
}

// expectClose reads until the server closes and checks the close code; it returns the
// messages received meanwhile.
func (w *wsConn) expectClose(t testing.TB, code websocket.StatusCode) []wsMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	var got []wsMsg
	for {
		m, err := w.next(ctx)
		if err == nil {
			got = append(got, m)
			continue
		}
		if st := websocket.CloseStatus(err); st != code {
			t.Fatalf("closed with %v (%v), want %v; messages %v", st, err, code, got)
		}
		return got
	}
}

// send writes one client message.
func (w *wsConn) send(t testing.TB, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	if err := w.c.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatalf("send %s: %v", b, err)
	}
}

func (w *wsConn) command(t testing.TB, cmd string) {
	t.Helper()
	w.send(t, map[string]string{"type": "console", "data": cmd})
}

// settleGoroutines waits until the goroutine count is back to at most base (fails with a
// dump after hangLimit).
func settleGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(hangLimit)
	for {
		idleHTTP()
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			_ = pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
			t.Fatalf("%d goroutines, %d before the sockets", n, base)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func idleHTTP() {
	if tr, ok := http.DefaultTransport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
}

// waitFor polls cond (hangLimit turns a hang into a failure).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(hangLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
