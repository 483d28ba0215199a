package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/server/apitest"
)

var servingURL = regexp.MustCompile(`curl -s -X POST (http://\S+)/oauth2/token`)

// serveURL runs `skypanel serve` in process on a free port with extra flags and returns its
// base URL; it is stopped (and must stop cleanly) when t ends.
func serveURL(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	root := newRoot()
	var out syncBuffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"--log-level", "warn", "--data", t.TempDir(), "serve", "--listen", "127.0.0.1:0", "--sftp-listen", "127.0.0.1:0",
		"--containerd", "/nonexistent/skypanel-test.sock"}, args...))
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop after its context was cancelled")
		}
	})
	deadline := time.After(30 * time.Second) // only turns a hang into a failure
	for {
		if m := servingURL.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve returned early: %v\n%s", err, out.String())
		case <-deadline:
			t.Fatalf("serve printed no credentials:\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestServeTrustedProxy: --trusted-proxy (repeatable) and SKYPANEL_TRUSTED_PROXIES make the
// per-IP limit count each forwarded client of a trusted peer separately; by default the
// socket address counts whatever X-Forwarded-For says.
func TestServeTrustedProxy(t *testing.T) {
	cases := []struct {
		name, env string
		args      []string
		separate  bool
	}{
		{"default", "", nil, false},
		{"flag", "", []string{"--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "127.0.0.1"}, true},
		{"environment", "10.0.0.0/8,127.0.0.1", nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SKYPANEL_TRUSTED_PROXIES", tc.env)
			base := serveURL(t, append([]string{"--rate-limit-ip", "1"}, tc.args...)...)
			client := &http.Client{Transport: apitest.NewTransport(t, nil)}
			get := func(xff string) int {
				req, _ := http.NewRequest(http.MethodGet, base+"/api/self", nil)
				req.Header.Set("X-Forwarded-For", xff)
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp.StatusCode
			}
			second := http.StatusTooManyRequests
			if tc.separate {
				second = http.StatusUnauthorized
			}
			if got := []int{get("198.51.100.1"), get("198.51.100.2"), get("198.51.100.1")}; got[0] != 401 || got[1] != second || got[2] != 429 {
				t.Errorf("statuses %v, want [401 %d 429]", got, second)
			}
		})
	}
	t.Run("malformed", func(t *testing.T) {
		out, err := run(t, "--data", t.TempDir(), "serve", "--listen", "127.0.0.1:0", "--sftp-listen", "127.0.0.1:0", "--containerd", "/nonexistent/skypanel-test.sock",
			"--trusted-proxy", "10.0.0.0/33")
		if err == nil || !strings.Contains(err.Error()+out, "10.0.0.0/33") {
			t.Errorf("serve with a malformed --trusted-proxy: %v\n%s", err, out)
		}
	})
}
