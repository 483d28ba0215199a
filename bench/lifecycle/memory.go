package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/skypanel/skypanel/api"
)

// idleLoop is an idle server: it waits on stdin.
const idleLoop = `while read l; do echo "echo:$l"; done`

// memoryResult is the RSS of a fresh `skypanel serve` before and after starting n servers.
type memoryResult struct {
	env           api.EnvironmentType
	n             int
	before, after uint64
}

// perServer is the RSS growth per server.
func (m memoryResult) perServer() float64 {
	return (float64(m.after) - float64(m.before)) / float64(m.n)
}

// benchMemory starts a fresh panel, warms it up with one server (created, started, deleted:
// the runtime's connections and code paths are in memory), reads its RSS, starts n idle
// servers and reads the RSS again (median of 5 samples after settle).
func benchMemory(ctx context.Context, o options, c *ctrd, env api.EnvironmentType, runID string) (memoryResult, error) {
	res := memoryResult{env: env, n: o.servers}
	sock, ns, image := o.containerd, "skypanel-bench-"+runID, ""
	if c != nil {
		sock, ns, image = c.sock, c.ns, c.image
	}
	p, err := startPanel(ctx, o.bin, sock, ns)
	if err != nil {
		return res, err
	}
	defer p.close(ctx)
	warm := fmt.Sprintf("mem-warm-%s-%s", env, runID)
	if err := p.create(ctx, warm, env, image, idleLoop); err != nil {
		return res, err
	}
	if err := p.start(ctx, warm); err != nil {
		return res, err
	}
	if err := p.remove(ctx, warm); err != nil {
		return res, err
	}
	time.Sleep(o.settle)
	if res.before, err = medianRSS(p); err != nil {
		return res, err
	}
	for i := range o.servers {
		id := fmt.Sprintf("mem%02d-%s-%s", i, env, runID)
		if err := p.create(ctx, id, env, image, idleLoop); err != nil {
			return res, err
		}
		if err := p.start(ctx, id); err != nil {
			return res, err
		}
	}
	time.Sleep(o.settle)
	res.after, err = medianRSS(p)
	return res, err
}

// medianRSS samples the RSS 5 times, 200 ms apart.
func medianRSS(p *panel) (uint64, error) {
	var s []uint64
	for range 5 {
		v, err := p.rss()
		if err != nil {
			return 0, err
		}
		s = append(s, v)
		time.Sleep(200 * time.Millisecond)
	}
	slices.Sort(s)
	return s[len(s)/2], nil
}
