package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
)

// panelRuns runs the HTTP benchmarks against the in-process App and their baselines.
func panelRuns(ctx context.Context, o options, rep *report, p *panel, form string) error {
	token, tokCap, err := issueToken(p.URL, form)
	if err != nil {
		return err
	}
	pages := o.servers / 25
	fmt.Println()
	rep.header()
	if err := listRun(ctx, o, rep, p.URL, token, pages); err != nil {
		return err
	}
	if err := nodesRun(ctx, o, rep, p.URL, token); err != nil {
		return err
	}
	flatRun(ctx, o, rep, p.URL, token, pages)
	return tokenRun(ctx, o, rep, p.URL, form, tokCap)
}

// apiGet builds an authenticated GET of base+path(rng).
func apiGet(base, token string, path func(*rand.Rand) string) func(*rand.Rand) (*http.Request, error) {
	auth := "Bearer " + token
	return func(rng *rand.Rand) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodGet, base+path(rng), nil)
		if err == nil {
			req.Header.Set("Authorization", auth)
		}
		return req, err
	}
}

func fixed(path string) func(*rand.Rand) string { return func(*rand.Rand) string { return path } }

// baseline captures our response to path and serves the same bytes with a bare gin route.
func baseline(base, token, route, path string) (*bare, int, error) {
	c, err := getAPI(base, token, path)
	if err != nil {
		return nil, 0, err
	}
	if c.Status != http.StatusOK {
		return nil, 0, fmt.Errorf("GET %s: %d %s", path, c.Status, c.Body)
	}
	b, err := startBare(http.MethodGet, route, c.ContentType, c.Body)
	return b, len(c.Body), err
}

func listRun(ctx context.Context, o options, rep *report, base, token string, pages int) error {
	b, size, err := baseline(base, token, "/api/servers", "/api/servers?limit=25&page=1")
	if err != nil {
		return err
	}
	defer b.Close()
	randomPage := func(rng *rand.Rand) string {
		return "/api/servers?limit=25&page=" + strconv.Itoa(1+rng.IntN(pages))
	}
	ours := load{Name: fmt.Sprintf("GET /api/servers?limit=25&page=1..%d", pages), Conns: o.conns,
		Warmup: o.warmup, Duration: o.duration, Want: http.StatusOK, Request: apiGet(base, token, randomPage)}
	got, err := profiled(o, "servers", func() result { return ours.run(ctx) })
	if err != nil {
		return err
	}
	bl := load{Name: "  baseline: bare gin, same bytes", Conns: o.conns, Warmup: o.warmup, Duration: o.duration,
		Want: http.StatusOK, Request: apiGet(b.URL, token, randomPage)}
	rep.compare("GET /api/servers", got, bl.run(ctx))
	rep.note("response: %d bytes (page 1, captured from ours and served by the baseline)", size)
	return nil
}

func nodesRun(ctx context.Context, o options, rep *report, base, token string) error {
	b, size, err := baseline(base, token, "/api/nodes", "/api/nodes")
	if err != nil {
		return err
	}
	defer b.Close()
	ours := load{Name: "GET /api/nodes", Conns: o.conns, Warmup: o.warmup, Duration: o.duration,
		Want: http.StatusOK, Request: apiGet(base, token, fixed("/api/nodes"))}
	bl := load{Name: "  baseline: bare gin, same bytes", Conns: o.conns, Warmup: o.warmup, Duration: o.duration,
		Want: http.StatusOK, Request: apiGet(b.URL, token, fixed("/api/nodes"))}
	got, err := profiled(o, "nodes", func() result { return ours.run(ctx) })
	if err != nil {
		return err
	}
	rep.compare("GET /api/nodes", got, bl.run(ctx))
	rep.note("response: %d bytes", size)
	return nil
}

// flatRun compares page 1 and the last page, one connection (pure per-request cost).
func flatRun(ctx context.Context, o options, rep *report, base, token string, pages int) {
	run := func(page int) result {
		path := fmt.Sprintf("/api/servers?limit=25&page=%d", page)
		l := load{Name: "GET " + path, Conns: 1, Warmup: o.warmup / 2, Duration: o.flatDuration,
			Want: http.StatusOK, Request: apiGet(base, token, fixed(path))}
		return l.run(ctx)
	}
	first, last := run(1), run(pages)
	rep.row(first)
	rep.row(last)
	q := 0.0
	if first.Pct(50) > 0 {
		q = float64(last.Pct(50)) / float64(first.Pct(50))
	}
	rep.note("p50 page %d / page 1 = %.2f×", pages, q)
	rep.check(fmt.Sprintf("page %d vs page 1 p50 ≤ 1.5×", pages), fmt.Sprintf("%.2f×", q), q <= 1.5,
		first.Errors == 0 && last.Errors == 0 && first.Requests > 0 && last.Requests > 0)
}

func tokenRun(ctx context.Context, o options, rep *report, base, form string, sample capture) error {
	b, err := startBare(http.MethodPost, "/oauth2/token", sample.ContentType, sample.Body)
	if err != nil {
		return err
	}
	defer b.Close()
	post := func(url string) func(*rand.Rand) (*http.Request, error) {
		return func(*rand.Rand) (*http.Request, error) { return postToken(url, form) }
	}
	ours := load{Name: "POST /oauth2/token (client_credentials)", Conns: o.tokenConns, Warmup: o.warmup,
		Duration: o.tokenDuration, Want: http.StatusOK, Request: post(base)}
	bl := load{Name: "  baseline: bare gin, same bytes", Conns: o.tokenConns, Warmup: o.warmup,
		Duration: o.tokenDuration, Want: http.StatusOK, Request: post(b.URL)}
	got, err := profiled(o, "token", func() result { return ours.run(ctx) })
	if err != nil {
		return err
	}
	base0 := bl.run(ctx)
	rep.row(got)
	rep.row(base0)
	rep.note("ratio ours/bare req/s = %.2f", ratio(got, base0))
	rep.check("POST /oauth2/token ≥ 1000 tokens/s", fmt.Sprintf("%.0f/s", got.Rate()), got.Rate() >= 1000,
		got.Errors == 0 && base0.Errors == 0)
	return nil
}

// profiled runs fn under a CPU profile written to o.cpuprofile when o.profileRun is name.
func profiled(o options, name string, fn func() result) (result, error) {
	if o.cpuprofile == "" || o.profileRun != name {
		return fn(), nil
	}
	f, err := os.Create(o.cpuprofile)
	if err != nil {
		return result{}, err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return result{}, err
	}
	res := fn()
	pprof.StopCPUProfile()
	return res, nil
}
