package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// countingSource issues tokens "t1", "t2", … living ttl from the fake clock's now.
type countingSource struct {
	n   int
	ttl time.Duration
	now *time.Time
}

func (s *countingSource) Token() (*oauth2.Token, error) {
	s.n++
	return &oauth2.Token{AccessToken: fmt.Sprintf("t%d", s.n), Expiry: s.now.Add(s.ttl)}, nil
}

// TestTokenCache: the token is kept until it is within early of its expiry, then replaced
// before it expires; outliving fetches only when the kept token would not last.
func TestTokenCache(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	src := &countingSource{ttl: time.Hour, now: &now}
	c := &tokenCache{src: src, early: time.Minute, now: func() time.Time { return now }}
	step := func(advance time.Duration, want string, get func() (*oauth2.Token, error)) {
		t.Helper()
		now = now.Add(advance)
		tok, err := get()
		if err != nil || tok.AccessToken != want {
			t.Fatalf("at +%v: token %v, %v; want %s", advance, tok, err, want)
		}
	}
	step(0, "t1", c.Token)
	step(58*time.Minute, "t1", c.Token)          // 2 min left: kept
	step(time.Minute+time.Second, "t2", c.Token) // 59 s left: replaced before expiry
	step(0, "t2", c.Token)
	step(0, "t2", func() (*oauth2.Token, error) { return c.outliving(30 * time.Minute) })
	step(0, "t3", func() (*oauth2.Token, error) { return c.outliving(2 * time.Hour) })
	if src.n != 3 {
		t.Fatalf("%d fetches, want 3", src.n)
	}
}

// TestTokenRefusalNotRetried: a token endpoint that refuses the client (401 invalid_client) is
// asked once per call: the calls' retry transport does not repeat a token fetch, which the
// token endpoint's own client has retried as far as the policy allows.
func TestTokenRefusalNotRetried(t *testing.T) {
	var tokenCalls, apiCalls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth2/token" {
			tokenCalls.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"unknown client"}`))
			return
		}
		apiCalls.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	p, err := New(srv.URL, "id", "wrong", WithRetryPolicy(RetryPolicy{MaxAttempts: 4, MinBackoff: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.ListServersWithResponse(t.Context(), nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized || !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v, want the token endpoint's 401 as an *APIError", err)
	}
	if n, m := tokenCalls.Load(), apiCalls.Load(); n != 1 || m != 0 {
		t.Fatalf("%d token requests and %d calls, want 1 and 0", n, m)
	}
}
