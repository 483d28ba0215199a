package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"
)

// RetryPolicy bounds the retries of the Panel's transport. A request is retried on 429 and 503
// answers (waiting at least the Retry-After they carry) and on transport errors (not on a
// failure to obtain a token: the token endpoint's client has retried it already), only for
// idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) unless All is set or the request's
// context comes from AllowRetry. A retry whose wait would end after MaxTotal (counted from the
// first attempt) is not made: the last answer is returned.
type RetryPolicy struct {
	MaxAttempts int           // attempts in all, the first included (0 or 1 = no retries)
	MaxTotal    time.Duration // the longest time from the first attempt to the last retry's start (0 = no bound)
	MinBackoff  time.Duration // first backoff without Retry-After, doubling per attempt (0 = 250 ms)
	MaxBackoff  time.Duration // the largest backoff without Retry-After (0 = no bound)
	All         bool          // retry every method, POST and PATCH included
}

// DefaultRetryPolicy is the policy of New: 4 attempts within 30 seconds, backoff from 250 ms.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 4, MaxTotal: 30 * time.Second,
	MinBackoff: 250 * time.Millisecond, MaxBackoff: 5 * time.Second}

type retryKey struct{}

// AllowRetry returns a context under which requests of any method (POST, PATCH) are retried
// like idempotent ones: use it for one call you know is safe to repeat.
func AllowRetry(ctx context.Context) context.Context {
	return context.WithValue(ctx, retryKey{}, true)
}

// NewRetryTransport wraps base (http.DefaultTransport when nil) with retries under p.
func NewRetryTransport(base http.RoundTripper, p RetryPolicy) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &retryTransport{base: base, p: p, now: time.Now, sleep: sleep}
}

type retryTransport struct {
	base  http.RoundTripper
	p     RetryPolicy
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error // waits d unless ctx ends first
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// RoundTrip sends req, then resends it (body from GetBody) while the policy allows.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	allowed, _ := ctx.Value(retryKey{}).(bool)
	canRetry := t.p.MaxAttempts > 1 && (t.p.All || allowed || idempotent(req.Method)) &&
		(req.Body == nil || req.Body == http.NoBody || req.GetBody != nil)
	if !canRetry {
		return t.base.RoundTrip(req)
	}
	deadline := t.now().Add(t.p.MaxTotal)
	if t.p.MaxTotal <= 0 {
		deadline = time.Unix(1<<62, 0) // no bound
	}
	for attempt := 1; ; attempt++ {
		try, err := t.attemptRequest(req, attempt)
		if err != nil {
			return nil, err
		}
		resp, err := t.base.RoundTrip(try)
		wait, retry := t.backoff(attempt, resp, err)
		if !retry || attempt >= t.p.MaxAttempts || t.now().Add(wait).After(deadline) || ctx.Err() != nil {
			return resp, err
		}
		if resp != nil {
			drain(resp.Body)
		}
		if err := t.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("api: waiting to retry %s %s: %w", req.Method, req.URL.Path, err)
		}
	}
}

// attemptRequest is req for the first attempt and a copy with a fresh body for the others.
func (t *retryTransport) attemptRequest(req *http.Request, attempt int) (*http.Request, error) {
	if attempt == 1 || req.GetBody == nil {
		return req, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("api: re-reading the body of %s %s: %w", req.Method, req.URL.Path, err)
	}
	try := req.Clone(req.Context())
	try.Body = body
	return try, nil
}

// backoff says whether the outcome of attempt is worth retrying and after how long: at least
// Retry-After when the answer has one, otherwise an exponential backoff with jitter.
func (t *retryTransport) backoff(attempt int, resp *http.Response, err error) (time.Duration, bool) {
	if err == nil && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0, false
	}
	if _, ok := errors.AsType[*tokenFetchError](err); ok {
		return 0, false // retried already, by the token endpoint's client
	}
	d := t.p.MinBackoff
	if d <= 0 {
		d = DefaultRetryPolicy.MinBackoff
	}
	d <<= min(attempt-1, 20)
	if t.p.MaxBackoff > 0 {
		d = min(d, t.p.MaxBackoff)
	}
	d = d/2 + rand.N(d/2+1) // jitter in [d/2, d]
	if resp != nil {
		if ra := retryAfter(resp.Header, t.now()); ra > 0 {
			d = ra
		}
	}
	return d, true
}

// drain reads a little of a response body that is thrown away (so the connection can be
// reused) and closes it.
func drain(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	_ = body.Close()
}
