package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// scripted answers each request with the next status of its script (with Retry-After when
// given) and records the bodies it was sent.
type scripted struct {
	statuses   []int
	retryAfter string
	bodies     []string
}

func (s *scripted) RoundTrip(req *http.Request) (*http.Response, error) {
	b := ""
	if req.Body != nil {
		raw, _ := io.ReadAll(req.Body)
		b = string(raw)
	}
	s.bodies = append(s.bodies, b)
	code := s.statuses[min(len(s.bodies), len(s.statuses))-1]
	h := http.Header{}
	if s.retryAfter != "" && code != http.StatusOK {
		h.Set("Retry-After", s.retryAfter)
	}
	return &http.Response{StatusCode: code, Header: h, Body: io.NopCloser(strings.NewReader(`{}`)), Request: req}, nil
}

// fakeClock is the transport's clock and sleep: sleeping advances it and records the wait.
type fakeClock struct {
	t     time.Time
	waits []time.Duration
}

func (c *fakeClock) install(rt http.RoundTripper) *retryTransport {
	tr := rt.(*retryTransport)
	tr.now = func() time.Time { return c.t }
	tr.sleep = func(_ context.Context, d time.Duration) error {
		c.waits = append(c.waits, d)
		c.t = c.t.Add(d)
		return nil
	}
	return tr
}

func TestRetry(t *testing.T) {
	policy := RetryPolicy{MaxAttempts: 4, MaxTotal: 30 * time.Second, MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}
	cases := []struct {
		name       string
		method     string
		ctx        func(context.Context) context.Context
		all        bool
		statuses   []int
		retryAfter string
		wantCalls  int
		wantStatus int
		wantWaits  []time.Duration // nil: not checked beyond the count
	}{
		{"GET 429 honours Retry-After", http.MethodGet, nil, false, []int{429, 429, 200}, "2", 3, 200, []time.Duration{2 * time.Second, 2 * time.Second}},
		{"PUT 503 retried with body", http.MethodPut, nil, false, []int{503, 200}, "1", 2, 200, []time.Duration{time.Second}},
		{"POST 429 not retried", http.MethodPost, nil, false, []int{429, 200}, "1", 1, 429, []time.Duration{}},
		{"POST retried with AllowRetry", http.MethodPost, AllowRetry, false, []int{429, 200}, "1", 2, 200, []time.Duration{time.Second}},
		{"POST retried with All", http.MethodPost, nil, true, []int{503, 200}, "1", 2, 200, []time.Duration{time.Second}},
		{"attempts are bounded", http.MethodGet, nil, false, []int{503}, "1", 4, 503, []time.Duration{time.Second, time.Second, time.Second}},
		{"a wait past MaxTotal is not made", http.MethodGet, nil, false, []int{429, 200}, "3600", 1, 429, []time.Duration{}},
		{"total time is bounded", http.MethodGet, nil, false, []int{429}, "12", 3, 429, []time.Duration{12 * time.Second, 12 * time.Second}},
		{"500 is not retried", http.MethodGet, nil, false, []int{500, 200}, "", 1, 500, []time.Duration{}},
		{"no Retry-After: backoff", http.MethodDelete, nil, false, []int{503, 503, 200}, "", 3, 200, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := &scripted{statuses: tc.statuses, retryAfter: tc.retryAfter}
			p := policy
			p.All = tc.all
			clock := &fakeClock{t: time.Unix(1_000_000, 0)}
			tr := clock.install(NewRetryTransport(base, p))
			ctx := context.Background()
			if tc.ctx != nil {
				ctx = tc.ctx(ctx)
			}
			req, err := http.NewRequestWithContext(ctx, tc.method, "http://panel.test/api/servers/x", strings.NewReader(`{"name":"x"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus || len(base.bodies) != tc.wantCalls {
				t.Fatalf("status %d after %d calls, want %d after %d", resp.StatusCode, len(base.bodies), tc.wantStatus, tc.wantCalls)
			}
			for i, b := range base.bodies {
				if b != `{"name":"x"}` {
					t.Fatalf("attempt %d sent body %q", i+1, b)
				}
			}
			if tc.wantWaits != nil && !equalDurations(clock.waits, tc.wantWaits) {
				t.Fatalf("waits %v, want %v", clock.waits, tc.wantWaits)
			}
			if tc.wantWaits == nil {
				for i, w := range clock.waits { // exponential with jitter in [d/2, d]
					d := p.MinBackoff << i
					if w < d/2 || w > d {
						t.Fatalf("backoff %d = %v, want within [%v, %v]", i+1, w, d/2, d)
					}
				}
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRetryZeroPolicy: a policy giving only MaxAttempts retries without a time bound and with
// the default backoff.
func TestRetryZeroPolicy(t *testing.T) {
	base := &scripted{statuses: []int{503, 503, 200}}
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	tr := clock.install(NewRetryTransport(base, RetryPolicy{MaxAttempts: 3}))
	req, _ := http.NewRequest(http.MethodGet, "http://panel.test/api/servers", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != 200 || len(clock.waits) != 2 {
		t.Fatalf("status %v err %v waits %v, want 200 after 2 waits", resp, err, clock.waits)
	}
	for i, w := range clock.waits {
		if d := DefaultRetryPolicy.MinBackoff << i; w < d/2 || w > d {
			t.Fatalf("wait %d = %v, want within [%v, %v]", i+1, w, d/2, d)
		}
	}
}

// TestRetryContextEnds: a wait cut short by the request's context ends with its error.
func TestRetryContextEnds(t *testing.T) {
	base := &scripted{statuses: []int{429}, retryAfter: "5"}
	tr := NewRetryTransport(base, DefaultRetryPolicy).(*retryTransport)
	ctx, cancel := context.WithCancel(context.Background())
	tr.sleep = func(context.Context, time.Duration) error { cancel(); return ctx.Err() }
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://panel.test/api/servers", nil)
	if _, err := tr.RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":     0,
		"7":    7 * time.Second,
		"-1":   0,
		"soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
	} {
		if got := retryAfter(http.Header{"Retry-After": {v}}, now); got != want {
			t.Errorf("Retry-After %q = %v, want %v", v, got, want)
		}
	}
}
