package api

import (
	"fmt"
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
