package webhook

import (
	"errors"
	"testing"
	"time"
)

// The vector was computed with openssl:
// printf '1767225600.{"id":"evt_1"}' | openssl dgst -sha256 -hmac whsec_test
const vector = "sha256=45b40331de0325606dc5400202ade162460fbe48daf9401adfdcd0d7b4f35470"

func TestSign(t *testing.T) {
	if got := Sign([]byte("whsec_test"), 1767225600, []byte(`{"id":"evt_1"}`)); got != vector {
		t.Fatalf("Sign = %s, want %s", got, vector)
	}
}

func TestVerify(t *testing.T) {
	secret, body := []byte("whsec_test"), []byte(`{"id":"evt_1"}`)
	at := time.Unix(1767225600, 0)
	tests := []struct {
		name      string
		secret    string
		ts, sig   string
		body      string
		tolerance time.Duration
		now       time.Time
		want      error
	}{
		{"valid", string(secret), "1767225600", vector, string(body), 5 * time.Minute, at.Add(time.Minute), nil},
		{"no tolerance check", string(secret), "1767225600", vector, string(body), 0, at.Add(240 * time.Hour), nil},
		{"body changed", string(secret), "1767225600", vector, `{"id":"evt_2"}`, 5 * time.Minute, at, ErrBadSignature},
		{"other secret", "whsec_other", "1767225600", vector, string(body), 5 * time.Minute, at, ErrBadSignature},
		{"timestamp changed", string(secret), "1767225601", vector, string(body), 5 * time.Minute, at, ErrBadSignature},
		{"stale", string(secret), "1767225600", vector, string(body), 5 * time.Minute, at.Add(6 * time.Minute), ErrStaleTimestamp},
		{"from the future", string(secret), "1767225600", vector, string(body), 5 * time.Minute, at.Add(-6 * time.Minute), ErrStaleTimestamp},
		{"no prefix", string(secret), "1767225600", vector[len("sha256="):], string(body), 5 * time.Minute, at, ErrBadSignature},
		{"bad timestamp", string(secret), "soon", vector, string(body), 5 * time.Minute, at, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify([]byte(tt.secret), tt.ts, tt.sig, []byte(tt.body), tt.tolerance, tt.now)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	e := &Engine{cfg: Config{BaseBackoff: time.Second, MaxBackoff: 8 * time.Second}}
	for _, c := range []struct {
		n    int
		full time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {4, 8 * time.Second}, {30, 8 * time.Second}} {
		for range 50 {
			if d := e.backoff(c.n); d < c.full/2 || d > c.full {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", c.n, d, c.full/2, c.full)
			}
		}
	}
}

func TestTransition(t *testing.T) {
	tests := []struct{ prev, next, want string }{
		{"", "running", ""}, // unknown before: the baseline
		{"running", "running", ""},
		{"stopped", "starting", ""},
		{"starting", "running", ServerStarted},
		{"stopped", "running", ServerStarted},
		{"crashed", "running", ServerStarted},
		{"running", "stopping", ""},
		{"stopping", "stopped", ServerStopped},
		{"running", "stopped", ServerStopped},
		{"starting", "stopped", ServerStopped},
		{"running", "crashed", ServerCrashed},
		{"stopped", "installing", ""},
		{"installing", "stopped", ServerInstalled},
		{"installing", "install_failed", ServerInstallFailed},
		{"install_failed", "stopped", ""},
		{"crashed", "stopped", ""},
	}
	for _, tt := range tests {
		if got := transition(tt.prev, tt.next); got != tt.want {
			t.Errorf("transition(%q, %q) = %q, want %q", tt.prev, tt.next, got, tt.want)
		}
	}
}
