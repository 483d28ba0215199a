package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/skypanel/skypanel/api"
)

// line is what the flood prints: 63 characters.
const line = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"

// floodGame prints `ready`, then on each stdin line TAG prints lines copies of line, waits a
// second (so that slow sockets drain) and prints "end TAG".
func floodGame(lines int) string {
	return fmt.Sprintf(`echo ready; while read l; do yes %s | head -n %d; sleep 1; echo "end $l"; done`, line, lines)
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
	type count struct {
		lines   int
		dropped bool
		last    time.Time
		err     error
	}
	counts := make([]count, n)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			for {
				m, err := read(ctx, c)
				if err != nil {
					counts[i].err = err
					return
				}
				switch {
				case m.Type == "console" && m.text() == line:
					counts[i].lines++
					counts[i].last = time.Now()
				case m.Type == "console" && m.text() == "end "+tag:
					return
				case m.Type == "error" || (m.Type == "console" && strings.Contains(m.text(), "dropped")):
					counts[i].dropped = true
				}
			}
		})
	}
	t0 := time.Now()
	resp, err := e.c.SendServerCommandWithResponse(ctx, id, api.SendServerCommandJSONRequestBody{Command: tag})
	if err != nil || resp.StatusCode() != http.StatusNoContent {
		cancel()
		wg.Wait()
		return socketRun{}, fmt.Errorf("flood %s: %v", id, err)
	}
	wg.Wait()
	var r socketRun
	var errs []error
	for _, c := range counts {
		if c.err != nil {
			errs = append(errs, c.err)
		}
		r.received += c.lines
		if c.dropped {
			r.dropped++
		}
		r.elapsed = max(r.elapsed, c.last.Sub(t0))
	}
	if err := errors.Join(errs...); err != nil {
		return r, fmt.Errorf("flood %s: %d sockets failed: %w", id, len(errs), errs[0])
	}
	return r, nil
}
