package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime/pprof"
	"slices"
	"sync"
	"syscall"
	"time"
)

// maxSamples bounds the latencies kept per worker (the count goes on beyond it).
const maxSamples = 1 << 20

// load is one run of the generator: conns workers, each with its own keep-alive connection,
// send requests back to back for warmup+duration; only requests started inside the
// measured window (after warmup) are counted.
type load struct {
	Name     string
	Conns    int
	Warmup   time.Duration
	Duration time.Duration
	Want     int                                         // expected status code
	Request  func(rng *rand.Rand) (*http.Request, error) // builds one request
}

// result is what a load run measured.
type result struct {
	Name     string
	Conns    int
	Requests int // completed in the window with the expected status
	Errors   int // transport errors and unexpected statuses in the window
	FirstErr string
	Window   time.Duration
	CPU      time.Duration   // user+system CPU of this process during the window (server and generator)
	lat      []time.Duration // sorted
}

// CPUPerReq is the process CPU time per request in the window: less sensitive than req/s to
// other load on the machine (the generator's share is about the same for ours and the baseline).
func (r result) CPUPerReq() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Requests)
}

// Rate is requests per second over the measured window.
func (r result) Rate() float64 { return float64(r.Requests) / r.Window.Seconds() }

// Pct is the p-th percentile latency (0 < p ≤ 100), nearest rank.
func (r result) Pct(p float64) time.Duration { return percentile(r.lat, p) }

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

type worker struct {
	lat      []time.Duration
	ok, errs int
	firstErr string
}

// run drives the load. Worker goroutines carry the pprof label role=loadgen so a CPU profile
// of the process can separate the server (-tagignore role=loadgen).
func (l load) run(ctx context.Context) result {
	tr := &http.Transport{MaxIdleConnsPerHost: l.Conns, MaxConnsPerHost: l.Conns, DisableCompression: true,
		IdleConnTimeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	from := time.Now().Add(l.Warmup)
	until := from.Add(l.Duration)
	workers := make([]worker, l.Conns)
	cpuFrom := make(chan time.Duration, 1)
	go func() {
		time.Sleep(time.Until(from))
		cpuFrom <- cpuTime()
	}()
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go pprof.Do(ctx, pprof.Labels("role", "loadgen"), func(ctx context.Context) {
			defer wg.Done()
			l.work(ctx, client, &workers[i], rand.New(rand.NewPCG(uint64(i), 7)), from, until)
		})
	}
	wg.Wait()
	res := result{Name: l.Name, Conns: l.Conns, Window: l.Duration, CPU: cpuTime() - <-cpuFrom}
	for _, w := range workers {
		res.Requests += w.ok
		res.Errors += w.errs
		if res.FirstErr == "" {
			res.FirstErr = w.firstErr
		}
		res.lat = append(res.lat, w.lat...)
	}
	slices.Sort(res.lat)
	return res
}

func (l load) work(ctx context.Context, client *http.Client, w *worker, rng *rand.Rand, from, until time.Time) {
	for ctx.Err() == nil {
		req, err := l.Request(rng)
		if err != nil {
			w.fail(err.Error())
			return
		}
		t0 := time.Now()
		if !t0.Before(until) {
			return
		}
		status, err := do(client, req.WithContext(ctx))
		d := time.Since(t0)
		if t0.Before(from) {
			continue // warm-up
		}
		switch {
		case err != nil:
			w.fail(err.Error())
		case status != l.Want:
			w.fail(fmt.Sprintf("status %d, want %d", status, l.Want))
		default:
			w.ok++
			if len(w.lat) < maxSamples {
				w.lat = append(w.lat, d)
			}
		}
	}
}

func (w *worker) fail(msg string) {
	w.errs++
	if w.firstErr == "" {
		w.firstErr = msg
	}
}

// do sends req and reads the whole body so the connection is reused.
func do(client *http.Client, req *http.Request) (int, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

// cpuTime is the user+system CPU time of this process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
