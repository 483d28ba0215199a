package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/skypanel/skypanel/api"
)

// line is what the throughput servers print: 63 characters and a newline.
const line = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"

// throughputResult holds the samples of the console-throughput benchmark of one environment.
type throughputResult struct {
	env     api.EnvironmentType
	lines   int
	console []time.Duration // start → exit handled, output into the console ring
	null    []time.Duration // the same command with its output to /dev/null
	empty   []time.Duration // start → exit handled of `echo begin; echo end` (fixed costs)
	cpu     []time.Duration // CPU time skypanel serve used during each console run
	lost    int             // runs whose last lines did not reach the ring
	profile string          // where the time goes (perf), when asked
}

// throughput commands: the same producer, its output to the console or to /dev/null.
func throughputCommands(n int) (console, null, empty string) {
	produce := fmt.Sprintf("yes %s | head -n %d", line, n)
	return "echo begin; " + produce + "; echo end",
		"echo begin; " + produce + " > /dev/null; echo end",
		"echo begin; echo end"
}

// benchThroughput runs the three servers rounds times, interleaved. Each run is timed from
// POST start to the exit being handled (status no longer running), which the daemon reports
// only after the console pump has read everything (or its drain timeout passed, which the
// check of the last lines catches).
func benchThroughput(ctx context.Context, p *panel, image string, env api.EnvironmentType, runID string, n, rounds int, profile bool) (throughputResult, error) {
	res := throughputResult{env: env, lines: n}
	cc, cn, ce := throughputCommands(n)
	ids := map[string]string{"console": "tp-c-" + runID, "null": "tp-n-" + runID, "empty": "tp-e-" + runID}
	for kind, cmd := range map[string]string{"console": cc, "null": cn, "empty": ce} {
		if err := p.create(ctx, ids[kind], env, image, cmd); err != nil {
			return res, err
		}
		defer func() { _ = p.remove(ctx, ids[kind]) }()
	}
	for range rounds {
		for _, kind := range []string{"console", "null", "empty"} {
			cpu0, err := cpuTime(p.cmd.Process.Pid)
			if err != nil {
				return res, err
			}
			d, complete, err := runToExit(ctx, p, ids[kind], kind == "console")
			if err != nil {
				return res, err
			}
			cpu1, err := cpuTime(p.cmd.Process.Pid)
			if err != nil {
				return res, err
			}
			switch kind {
			case "console":
				res.console, res.cpu = append(res.console, d), append(res.cpu, cpu1-cpu0)
				if !complete {
					res.lost++
				}
			case "null":
				res.null = append(res.null, d)
			default:
				res.empty = append(res.empty, d)
			}
		}
	}
	if profile {
		prof, err := profileRun(ctx, p, ids["console"], runID)
		if err != nil {
			prof = "    (no profile: " + err.Error() + ")\n"
		}
		res.profile = prof
	}
	return res, nil
}

// runToExit starts id and waits for its exit to be handled; complete reports whether the
// ring ends with the producer's last line followed by "end".
func runToExit(ctx context.Context, p *panel, id string, checkLines bool) (d time.Duration, complete bool, err error) {
	_, cursor, err := p.console(ctx, id, 0)
	if err != nil {
		return 0, false, err
	}
	t0 := time.Now()
	if err := p.start(ctx, id); err != nil {
		return 0, false, err
	}
	if err := p.waitState(ctx, id, 2*time.Millisecond, api.ServerStateCrashed, api.ServerStateStopped); err != nil {
		return 0, false, err
	}
	d = time.Since(t0)
	lines, _, err := p.console(ctx, id, cursor)
	if err != nil {
		return 0, false, err
	}
	i := slices.Index(lines, "end")
	if !checkLines {
		return d, i > 0, nil
	}
	return d, i > 0 && lines[i-1] == line, nil
}

// rate is lines per second of a median duration.
func rate(lines int, d time.Duration) float64 { return float64(lines) / d.Seconds() }
