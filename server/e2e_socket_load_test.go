package server_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// TestSocketLimits: invalid messages get an error and the socket stays open; an oversized
// message closes with 1009; a flood is throttled with errors, then closed with 4029; the cap
// of sockets per server refuses more (429 before the upgrade, 4029 after).
func TestSocketLimits(t *testing.T) {
	// A bucket that does not refill during the test: exactly 5 messages pass.
	e := startSockEnv(t, server.SocketOptions{MessageRate: 1e-6, MessageBurst: 5, AbuseLimit: 10,
		MaxMessageBytes: 1024, MaxPerServer: 2})
	tok, ownerID := e.UserToken(t, "owner", false, ownerScopes...)
	id := e.createServer(t, ownerID)

	t.Run("invalid messages", func(t *testing.T) {
		w := e.mustDial(t, id, tok)
		defer w.c.CloseNow()
		for _, tc := range []struct{ msg, code string }{
			{`not json`, server.CodeFieldInvalid},
			{`{"type":"dance"}`, server.CodeFieldInvalid},
			{`{"type":"console","data":"x","extra":1}`, server.CodeFieldInvalid},
			{`{"type":"auth"}`, server.CodeFieldRequired},
			{`{"type":"console","data":""}`, server.CodeFieldInvalid},
		} {
			if err := w.c.Write(context.Background(), websocket.MessageText, []byte(tc.msg)); err != nil {
				t.Fatal(err)
			}
			w.expectError(t, tc.code)
		}
		if err := w.c.Write(context.Background(), websocket.MessageText, []byte(strings.Repeat("x", 2000))); err != nil {
			t.Fatal(err)
		}
		w.expectClose(t, websocket.StatusMessageTooBig)
	})
	t.Run("flood", func(t *testing.T) {
		w := e.mustDial(t, id, tok)
		defer w.c.CloseNow()
		for i := range 8 { // 5 pass, 3 are throttled (3 strikes of 10)
			w.command(t, fmt.Sprintf("c%d", i))
		}
		for range 3 {
			w.expectError(t, server.CodeRateLimited)
		}
		for i := range 20 { // the socket stayed open: now sustained abuse closes it
			w.command(t, fmt.Sprintf("flood%d", i))
		}
		w.expectClose(t, 4029)
	})
	t.Run("sockets per server", func(t *testing.T) {
		waitFor(t, "earlier sockets detached", func() bool { return e.App.SocketCount(id) == 0 })
		a, b := e.mustDial(t, id, tok), e.mustDial(t, id, tok)
		defer a.c.CloseNow()
		defer b.c.CloseNow()
		for _, w := range []*wsConn{a, b} {
			w.expect(t, "status", func(m wsMsg) bool { return m.Type == "status" })
		}
		_, resp, err := e.dial(t, id, tok, nil, nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests ||
			!strings.Contains(respSummary(resp), server.CodeRateLimited) {
			t.Fatalf("third socket: %v %s", err, respSummary(resp))
		}
		c := e.mustDial(t, id, "")
		defer c.c.CloseNow()
		c.send(t, map[string]string{"type": "auth", "token": tok})
		c.expectClose(t, 4029)
	})
}

// TestSocketKeepalive: the server answers client pings, and drops a peer that stops
// answering its pings (close without handshake), within PingInterval + PongTimeout.
func TestSocketKeepalive(t *testing.T) {
	e := startSockEnv(t, server.SocketOptions{PingInterval: 100 * time.Millisecond, PongTimeout: 100 * time.Millisecond})
	tok, ownerID := e.UserToken(t, "owner", false, ownerScopes...)
	id := e.createServer(t, ownerID)
	w := e.mustDial(t, id, tok)
	defer w.c.CloseNow()
	w.expect(t, "status", func(m wsMsg) bool { return m.Type == "status" })
	var pinger sync.WaitGroup
	pinger.Go(func() { // a reading client answers the server's pings: it stays
		for {
			if _, err := w.next(context.Background()); err != nil {
				return
			}
		}
	})
	if err := w.c.Ping(context.Background()); err != nil {
		t.Fatalf("client ping: %v", err)
	}
	deaf := e.mustDial(t, id, tok) // never reads, so never answers a ping
	defer deaf.c.CloseNow()
	waitFor(t, "both sockets attached", func() bool { return e.App.SocketCount(id) == 2 })
	waitFor(t, "the deaf socket dropped", func() bool { return e.App.SocketCount(id) == 1 })
	for {
		_, err := deaf.next(context.Background())
		if err != nil {
			if st := websocket.CloseStatus(err); st != -1 {
				t.Fatalf("deaf socket closed with %v, want a dropped connection", st)
			}
			break
		}
	}
	if err := w.c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatalf("the reading socket was dropped too: %v", err)
	}
	pinger.Wait()
}

// TestSocketManyWatchers: 200 sockets on one server, one of them stalled (tiny receive
// buffer, not reading). The game prints in steps; every other socket receives each step
// completely while the stalled one is not read at all; the stalled one then gets a notice of
// what it lost. After all close, no goroutine is left behind.
func TestSocketManyWatchers(t *testing.T) {
	// Small buffers so that the stalled socket overflows soon; each step fits in every queue.
	e := startSockEnv(t, server.SocketOptions{Buffer: 512, SendBuffer: 8 << 10, WriteTimeout: time.Minute})
	tok, ownerID := e.UserToken(t, "owner", false, ownerScopes...)
	id := e.createServer(t, ownerID)
	e.power(t, id, "start")
	ctl := e.mustDial(t, id, tok)
	ctl.expectLine(t, "ready")
	idleHTTP()
	runtime.GC()
	base := runtime.NumGoroutine()

	stalled, resp, err := e.dial(t, id, tok, nil, smallBufferClient(t))
	if err != nil {
		t.Fatalf("dial the stalled socket: %v (%s)", err, respSummary(resp))
	}
	const watchers, steps, perStep = 199, 10, 300
	readers := make([]*watcher, watchers)
	for i := range readers {
		readers[i] = &watcher{w: e.mustDial(t, id, tok), step: make(chan progress, steps)}
		readers[i].w.validate = 20
	}
	var wg sync.WaitGroup
	for _, r := range readers {
		wg.Go(r.run)
	}
	for s := range steps {
		ctl.command(t, fmt.Sprintf("flood s%d %d", s, perStep))
		for i, r := range readers {
			got, ok := <-r.step
			if !ok || got.step != s || got.lines != (s+1)*perStep || got.dropped {
				t.Fatalf("watcher %d after step %d: %+v (open %v), want all %d lines", i, s, got, ok, (s+1)*perStep)
			}
		}
	}

	// The stalled socket resumes: it lost lines (among them the last ones printed while it
	// was full) and was told how many; what is printed now reaches it.
	var notice, rateErr bool
	stalled.validate = 50
	resumed := make(chan struct{})
	go func() {
		defer close(resumed)
		stalled.expect(t, "notice", func(m wsMsg) bool {
			notice = notice || m.Type == "console" && strings.Contains(m.text(), "messages were dropped")
			rateErr = rateErr || m.Type == "error" && m.field("code") == server.CodeRateLimited
			return notice && rateErr
		})
	}()
	<-resumed
	ctl.command(t, "after the stall")
	stalled.expectLine(t, "echo:after the stall")
	if !notice || !rateErr {
		t.Fatalf("stalled socket: dropped notice %v, ErrRateLimited %v", notice, rateErr)
	}

	closing.Store(true)
	for _, w := range append([]*wsConn{stalled}, watchersConns(readers)...) {
		if err := w.c.Close(websocket.StatusNormalClosure, ""); err != nil {
			t.Fatalf("close: %v", err)
		}
	}
	wg.Wait()
	for i, r := range readers {
		if r.err != nil {
			t.Fatalf("watcher %d: %v", i, r.err)
		}
	}
	waitFor(t, "sockets detached", func() bool { return e.App.SocketCount(id) == 1 })
	settleGoroutines(t, base)
	if err := ctl.c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
}

// closing is set when TestSocketManyWatchers closes its sockets.
var closing atomic.Bool

// watcher reads one socket, counting flood lines and reporting each finished step.
type watcher struct {
	w    *wsConn
	step chan progress
	err  error // read after run returned
}

type progress struct {
	step, lines int
	dropped     bool // a dropped-messages notice or an error arrived
}

func (r *watcher) run() {
	defer close(r.step)
	var p progress
	for {
		m, err := r.w.next(context.Background())
		if err != nil {
			if !closing.Load() { // once the test closes, any end is fine
				r.err = err
			}
			return
		}
		if m.Type != "console" {
			p.dropped = p.dropped || m.Type == "error"
			continue
		}
		txt := m.text()
		switch {
		case strings.Contains(txt, "messages were dropped"):
			p.dropped = true
		case strings.HasSuffix(txt, " done"):
			if _, err := fmt.Sscanf(txt, "s%d done", &p.step); err == nil {
				r.step <- p
			}
		case strings.Contains(txt, " line "):
			p.lines++
		}
	}
}

func watchersConns(rs []*watcher) []*wsConn {
	out := make([]*wsConn, len(rs))
	for i, r := range rs {
		out[i] = r.w
	}
	return out
}

// smallBufferClient dials with a 4 KiB receive buffer, so a client that does not read
// pushes back on the server at once.
func smallBufferClient(t *testing.T) *http.Client {
	d := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return &http.Client{Transport: apitest.NewTransport(t, &http.Transport{DialContext: d.DialContext})}
}

// TestSocketShutdown: CloseSockets closes every socket with 1001 and waits for them; later
// sockets are refused.
func TestSocketShutdown(t *testing.T) {
	e := startSockEnv(t, server.SocketOptions{})
	tok, ownerID := e.UserToken(t, "owner", false, ownerScopes...)
	id := e.createServer(t, ownerID)
	e.power(t, id, "start")
	a, b := e.mustDial(t, id, tok), e.mustDial(t, id, "")
	defer a.c.CloseNow()
	defer b.c.CloseNow()
	b.send(t, map[string]string{"type": "auth", "token": tok})
	for _, w := range []*wsConn{a, b} {
		w.expectLine(t, "ready")
	}
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
		defer cancel()
		done <- e.App.CloseSockets(ctx)
	}()
	for _, w := range []*wsConn{a, b} {
		w.expectClose(t, websocket.StatusGoingAway)
	}
	if err := <-done; err != nil {
		t.Fatalf("CloseSockets: %v", err)
	}
	if n := e.App.SocketCount(id); n != 0 {
		t.Fatalf("%d sockets attached after CloseSockets returned", n)
	}
	// Later: refused before the upgrade when the token is in the header, closed at once
	// otherwise.
	_, resp, err := e.dial(t, id, tok, nil, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after shutdown: %v %s", err, respSummary(resp))
	}
	late := e.mustDial(t, id, "")
	defer late.c.CloseNow()
	late.expectClose(t, websocket.StatusGoingAway)
}
