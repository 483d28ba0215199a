package main

import (
	"context"
	"fmt"
	"time"
)

// benchStart measures n starts (after one warm-up) of a server whose command is `echo ready`
// on each node, interleaved: POST start until "ready" arrives on a WebSocket opened before.
func benchStart(ctx context.Context, e *env, n int) (local, remote []time.Duration, err error) {
	ids := [2]string{"stl-" + e.run, "str-" + e.run}
	for i, node := range []int64{0, e.daemon.NodeID} {
		if err := e.create(ctx, ids[i], node, "echo ready"); err != nil {
			return nil, nil, err
		}
	}
	for round := range n + 1 {
		for i, id := range ids {
			d, err := startOnce(ctx, e, id)
			if err != nil {
				return nil, nil, err
			}
			if round == 0 {
				continue // warm-up
			}
			if i == 0 {
				local = append(local, d)
			} else {
				remote = append(remote, d)
			}
		}
	}
	return local, remote, nil
}

// startOnce starts id and returns the time until its first line arrived on the socket, then
// waits for the exit (the command ends by itself).
func startOnce(ctx context.Context, e *env, id string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	c, err := e.dial(ctx, id)
	if err != nil {
		return 0, err
	}
	defer c.CloseNow()
	t0 := time.Now()
	if err := e.start(ctx, id); err != nil {
		return 0, err
	}
	for {
		m, err := read(ctx, c)
		if err != nil {
			return 0, fmt.Errorf("start %s: waiting for its first line: %w", id, err)
		}
		if m.Type == "console" && m.text() == "ready" {
			d := time.Since(t0)
			return d, waitState(ctx, c, "stopped", "crashed")
		}
	}
}
