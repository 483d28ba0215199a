package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// scrape reads the panel's /metrics over its own listener and parses the text format.
func scrape(t *testing.T, env *apitest.Env) map[string]*dto.MetricFamily {
	t.Helper()
	addr := env.Panel.MetricsAddr()
	if addr == nil {
		t.Fatal("no metrics listener")
	}
	resp, err := http.Get("http://" + addr.String() + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	return fams
}

// value is the counter, gauge or histogram count of the family's metric with exactly
// labels (0 when absent).
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	f := fams[name]
	if f == nil {
		return 0
	}
next:
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return 0
}

func TestMetrics(t *testing.T) {
	const perIP = 2
	env := apitest.Start(t, apitest.WithRateLimits(1<<20, perIP, time.Hour),
		apitest.WithConfig(func(c *server.Config) { c.MetricsListen = "127.0.0.1:0" }))
	env.NewServerRow(t, env.AdminID, env.LocalNode.ID, "counted")
	before := scrape(t, env)

	tok := env.AdminToken(t) // unauthenticated request 1 of this IP
	for range 2 {
		if r := env.Do(t, http.MethodGet, "/api/nodes", tok, nil, nil); r.Status != http.StatusOK {
			t.Fatalf("list nodes: %d %s", r.Status, r.Body)
		}
	}
	// no route: answered before any rate limit, counted as "unmatched"
	env.Do(t, http.MethodGet, "/api/no/such/route", "", nil, nil).ExpectError(t, http.StatusNotFound, server.CodeNotFound)
	env.Do(t, http.MethodGet, "/metrics", "", nil, nil).ExpectError(t, http.StatusNotFound, server.CodeNotFound) // not on the API port
	if r := env.Do(t, http.MethodGet, "/api/openapi.json", "", nil, nil); r.Status != http.StatusOK {            // 2
		t.Fatalf("openapi.json: %d", r.Status)
	}
	expectLimited(t, env.Do(t, http.MethodGet, "/api/openapi.json", "", nil, nil), perIP) // 3
	for range 3 {
		if r := env.Do(t, http.MethodGet, "/healthz", "", nil, nil); r.Status != http.StatusOK {
			t.Fatalf("healthz: %d", r.Status)
		}
	}
	after := scrape(t, env)

	const reqs, lat = "skypanel_http_requests_total", "skypanel_http_request_duration_seconds"
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{reqs, map[string]string{"operation": "oauth2Token", "code": "200"}, 1},
		{reqs, map[string]string{"operation": "listNodes", "code": "200"}, 2},
		{lat, map[string]string{"operation": "listNodes", "code": "200"}, 2},
		{reqs, map[string]string{"operation": "unmatched", "code": "404"}, 2},
		{reqs, map[string]string{"operation": "getOpenAPIJSON", "code": "429"}, 1},
		{reqs, map[string]string{"operation": "getOpenAPIJSON", "code": "200"}, 1},
		{reqs, map[string]string{"operation": "getHealthz", "code": "200"}, 3},
		{"skypanel_rate_limited_total", map[string]string{"kind": "ip"}, 1},
		{"skypanel_rate_limited_total", map[string]string{"kind": "client"}, 0},
		{"skypanel_oauth2_tokens_issued_total", nil, 1},
	} {
		if got := value(after, c.name, c.labels) - value(before, c.name, c.labels); got != c.want {
			t.Errorf("%s%v increased by %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, f := range after[reqs].GetMetric() {
		for _, l := range f.GetLabel() {
			if strings.Contains(l.GetValue(), "/") {
				t.Errorf("label %s=%q: a path, not an operation id", l.GetName(), l.GetValue())
			}
		}
	}
	checkGauges(t, after)
}

// checkGauges: state computed at scrape, the pool and the runtime collectors.
func checkGauges(t *testing.T, fams map[string]*dto.MetricFamily) {
	t.Helper()
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"skypanel_servers", map[string]string{"suspended": "false"}, 1},
		{"skypanel_servers", map[string]string{"suspended": "true"}, 0},
		{"skypanel_servers_scrape_errors", nil, 0},
		{"skypanel_nodes", map[string]string{"state": "up"}, 1}, // the local node
		{"skypanel_nodes", map[string]string{"state": "down"}, 0},
	} {
		if got := value(fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if fams[name] == nil {
			t.Errorf("%s missing", name)
		}
	}
	if !has(fams, "go_sql_open_connections", map[string]string{"db_name": "panel"}) {
		t.Error("database pool stats (go_sql_open_connections{db_name=\"panel\"}) missing")
	}
}

// has reports whether the family has a metric with exactly labels.
func has(fams map[string]*dto.MetricFamily, name string, labels map[string]string) bool {
next:
	for _, m := range fams[name].GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				continue next
			}
		}
		return true
	}
	return false
}
