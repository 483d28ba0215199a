package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"

	"github.com/skypanel/skypanel/api"
)

// startResult holds the samples of the start-latency benchmark.
type startResult struct {
	env      api.EnvironmentType
	api      []time.Duration // POST start → "ready" read from GET console
	base     []time.Duration // baseline wall time (ctr run --rm, or sh -c for standard)
	baseLine []time.Duration // baseline: until "ready" was on its stdout
}

// benchStart measures n starts of a server whose command is `echo ready` (after one warm-up
// of each side), interleaved with the baseline: `ctr run --rm` of the same image and command
// for docker, `/bin/sh -c 'echo ready'` for standard.
func benchStart(ctx context.Context, p *panel, c *ctrd, env api.EnvironmentType, runID string, n int) (startResult, error) {
	res := startResult{env: env}
	id := fmt.Sprintf("lat-%s-%s", env, runID)
	image := ""
	if c != nil {
		image = c.image
	}
	if err := p.create(ctx, id, env, image, "echo ready"); err != nil {
		return res, err
	}
	defer func() { _ = p.remove(ctx, id) }()
	for i := range n + 1 {
		d, err := apiStart(ctx, p, id)
		if err != nil {
			return res, err
		}
		var wall, first time.Duration
		if env == api.EnvironmentTypeDocker {
			wall, first, err = c.runEcho(fmt.Sprintf("bench-ctr-%s-%d", runID, i))
		} else {
			wall, first, err = shEcho()
		}
		if err != nil {
			return res, err
		}
		if i == 0 {
			continue // warm-up
		}
		res.api, res.base, res.baseLine = append(res.api, d), append(res.base, wall), append(res.baseLine, first)
	}
	return res, nil
}

// apiStart starts the server and polls its console every millisecond until "ready" shows,
// then waits for the exit (the server is "crashed": it exited on its own) before returning.
func apiStart(ctx context.Context, p *panel, id string) (time.Duration, error) {
	_, cursor, err := p.console(ctx, id, 0)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	if err := p.start(ctx, id); err != nil {
		return 0, err
	}
	for {
		lines, next, err := p.console(ctx, id, cursor)
		if err != nil {
			return 0, err
		}
		for _, l := range lines {
			if l == "ready" {
				d := time.Since(t0)
				return d, p.waitState(ctx, id, 5*time.Millisecond, api.ServerStateCrashed, api.ServerStateStopped)
			}
		}
		cursor = next
		if time.Since(t0) > time.Minute {
			return 0, errors.New(id + `: no "ready" on the console within a minute`)
		}
		time.Sleep(time.Millisecond)
	}
}

// shEcho runs /bin/sh -c 'echo ready' (the standard environment's baseline).
func shEcho() (wall, firstLine time.Duration, err error) {
	t0 := time.Now()
	out, err := exec.Command("/bin/sh", "-c", "echo ready").Output()
	wall = time.Since(t0)
	if err != nil || string(out) != "ready\n" {
		return 0, 0, fmt.Errorf("sh -c 'echo ready': %v %q", err, out)
	}
	return wall, wall, nil
}
