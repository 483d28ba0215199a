package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// line is what the flood prints: 63 characters.
const line = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"

// floodGame prints "ready"; then "flood TAG" prints lines copies of line, and any other
// command is echoed as "end <command>". The benchmark sends its end marker until every socket
// has read one: a socket whose buffer is full when a marker comes loses it, not all of them.
func floodGame(lines int) string {
	return fmt.Sprintf(`echo ready; while read l; do case "$l" in flood*) yes %s | head -n %d;; *) echo "end $l";; esac; done`, line, lines)
}

// count is what one socket read of a flood.
type count struct {
	lines   int
	dropped bool
	last    time.Time
	lastMsg string
	err     error
}

// countFlood reads socket c until the end marker of tag, counting flood lines into n.
func countFlood(ctx context.Context, c *websocket.Conn, tag string, n *count) error {
	for {
		m, err := read(ctx, c)
		if err != nil {
			return err
		}
		if m.Type != "console" || m.text() != line {
			n.lastMsg = m.Type + " " + string(m.Data)
		}
		switch {
		case m.Type == "console" && m.text() == line:
			n.lines++
			n.last = time.Now()
		case m.Type == "console" && m.text() == "end "+tag:
			return nil
		case m.Type == "error" || (m.Type == "console" && strings.Contains(m.text(), "dropped")):
			n.dropped = true
		}
	}
}

// socketRun is one flood seen by every socket.
type socketRun struct {
	received int           // flood lines received, all sockets together
	dropped  int           // sockets that were told they lost lines
	elapsed  time.Duration // POST command → the last flood line at the slowest socket
}

// rate is flood lines delivered per second, all sockets together.
func (r socketRun) rate() float64 { return float64(r.received) / r.elapsed.Seconds() }

// benchSockets floods a server of each node to sockets WebSockets, rounds times interleaved.
func benchSockets(ctx context.Context, e *env, sockets, lines int) (local, remote []socketRun, err error) {
	ids := [2]string{"wsl-" + e.run, "wsr-" + e.run}
	for i, node := range []int64{0, e.daemon.NodeID} {
		if err := e.create(ctx, ids[i], node, floodGame(lines)); err != nil {
			return nil, nil, err
		}
		if err := e.start(ctx, ids[i]); err != nil {
			return nil, nil, err
		}
	}
	const rounds = 3
	for round := range rounds + 1 {
		for i, id := range ids {
			r, err := flood(ctx, e, id, sockets, fmt.Sprintf("r%d", round))
			if err != nil {
				return nil, nil, err
			}
			if round == 0 {
				continue // warm-up
			}
			if i == 0 {
				local = append(local, r)
			} else {
				remote = append(remote, r)
			}
		}
	}
	for _, id := range ids {
		_, _ = e.c.KillServerWithResponse(ctx, id)
	}
	return local, remote, nil
}

// flood opens n sockets on id, has the game print its lines and counts what each socket gets.
func flood(ctx context.Context, e *env, id string, n int, tag string) (socketRun, error) {
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	conns := make([]*websocket.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.CloseNow()
		}
	}()
	for range n {
		c, err := e.dial(ctx, id)
		if err != nil {
			return socketRun{}, err
		}
		conns = append(conns, c)
	}
	counts := make([]count, n)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() { counts[i].err = countFlood(ctx, c, tag, &counts[i]) })
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	t0 := time.Now()
	if err := e.command(ctx, id, "flood "+tag); err != nil {
		cancel()
		<-finished
		return socketRun{}, err
	}
	for waiting := true; waiting; {
		select {
		case <-finished:
			waiting = false
		case <-time.After(250 * time.Millisecond):
			if err := e.command(ctx, id, tag); err != nil { // echoed as "end TAG"
				cancel() // the readers stop; their errors are reported below
			}
		}
	}
	var r socketRun
	var errs []error
	for _, c := range counts {
		if c.err != nil {
			errs = append(errs, fmt.Errorf("after %d flood lines (the last %s after the command; told of drops %v, last message %q): %w",
				c.lines, c.last.Sub(t0).Round(time.Millisecond), c.dropped, c.lastMsg, c.err))
		}
		r.received += c.lines
		if c.dropped {
			r.dropped++
		}
		r.elapsed = max(r.elapsed, c.last.Sub(t0))
	}
	if err := errors.Join(errs...); err != nil {
		return r, fmt.Errorf("flood %s: %d sockets failed, the first %w", id, len(errs), errs[0])
	}
	return r, nil
}
