package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// run executes the CLI in process and returns its standard output.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"--log-level", "warn"}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := run(t, args...)
	if err != nil {
		t.Fatalf("skypanel %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TestCLIWhileServing drives `user` and `oauth2` on the data folder of a running App: the
// CLI's changes are seen by the App (the App re-reads a cached token after
// CacheRevalidate, which the harness sets to 1 ms here).
func TestCLIWhileServing(t *testing.T) {
	dir := t.TempDir()
	env := apitest.Start(t, apitest.WithDataDir(dir), apitest.WithCacheRevalidate(time.Millisecond))
	data := []string{"--data", dir}

	out := mustRun(t, append(data, "user", "add", "--username", "cliadmin", "--email", "cliadmin@example.com",
		"--password", "Cli-passw0rd", "--admin")...)
	if !regexp.MustCompile(`created user \d+ \(cliadmin, admin=true\)`).MatchString(out) {
		t.Errorf("user add printed %q", out)
	}
	t.Run("user add refuses bad input", func(t *testing.T) {
		cases := [][]string{
			{"--username", "cliadmin", "--email", "other@example.com", "--password", "Cli-passw0rd"},
			{"--username", "weakling", "--email", "weak@example.com", "--password", "password"},
			{"--username", "x", "--email", "x@example.com", "--password", "Cli-passw0rd"},
			{"--username", "nomail", "--password", "Cli-passw0rd"},
		}
		for _, c := range cases {
			if out, err := run(t, append(append(data, "user", "add"), c...)...); err == nil {
				t.Errorf("user add %v succeeded: %s", c, out)
			}
		}
	})

	t.Run("a user added by the CLI is served by the API", func(t *testing.T) {
		// The CLI must not store an email the API's User schema (format: email) cannot carry.
		out, err := run(t, append(data, "user", "add", "--username", "brackets", "--email", "br[ack]ets@example.com",
			"--password", "Cli-passw0rd")...)
		if err != nil {
			return // refused: fine
		}
		id := regexp.MustCompile(`created user (\d+)`).FindStringSubmatch(out)
		if id == nil {
			t.Fatalf("user add printed %q", out)
		}
		admin := env.AdminToken(t)
		for _, p := range []string{"/api/users?limit=100", "/api/users/" + id[1]} {
			if r := env.Do(t, http.MethodGet, p, admin, nil, nil); r.Status != http.StatusOK {
				t.Errorf("GET %s after `user add --email br[ack]ets@example.com`: %d %s", p, r.Status, r.Body)
			}
		}
	})

	out = mustRun(t, append(data, "oauth2", "create", "--user", "cliadmin", "--scopes", "admin", "--name", "ci", "--json")...)
	var created struct {
		ClientID     string   `json:"client_id"`
		ClientSecret string   `json:"client_secret"`
		Scopes       []string `json:"scopes"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.ClientID == "" || created.ClientSecret == "" {
		t.Fatalf("oauth2 create --json printed %q (%v)", out, err)
	}
	token := env.Token(t, created.ClientID, created.ClientSecret)
	if r := env.Do(t, http.MethodGet, "/api/nodes", token, nil, nil); r.Status != http.StatusOK {
		t.Fatalf("the CLI client's token: %d %s", r.Status, r.Body)
	}

	t.Run("oauth2 create refuses admin for a non-admin", func(t *testing.T) {
		mustRun(t, append(data, "user", "add", "--username", "plainuser", "--email", "plain@example.com", "--password", "Cli-passw0rd")...)
		if out, err := run(t, append(data, "oauth2", "create", "--user", "plainuser", "--scopes", "admin")...); err == nil {
			t.Errorf("created an admin client for a non-admin: %s", out)
		}
		if out, err := run(t, append(data, "oauth2", "create", "--user", "nobody", "--scopes", "admin")...); err == nil {
			t.Errorf("created a client for an unknown user: %s", out)
		}
	})
	t.Run("oauth2 list", func(t *testing.T) {
		out := mustRun(t, append(data, "oauth2", "list")...)
		if !strings.Contains(out, created.ClientID) || !strings.Contains(out, env.AdminClientID) {
			t.Errorf("list lacks a client:\n%s", out)
		}
		if strings.Contains(out, created.ClientSecret) || strings.Contains(out, env.AdminClientSecret) {
			t.Errorf("list shows a secret:\n%s", out)
		}
	})
	t.Run("oauth2 delete revokes in the running App", func(t *testing.T) {
		out := mustRun(t, append(data, "oauth2", "delete", created.ClientID)...)
		if !strings.Contains(out, created.ClientID) {
			t.Errorf("delete printed %q", out)
		}
		time.Sleep(5 * time.Millisecond) // > CacheRevalidate: the App must re-read the token
		env.Do(t, http.MethodGet, "/api/nodes", token, nil, nil).ExpectError(t, http.StatusUnauthorized, server.CodeUnauthorized)
		if out, err := run(t, append(data, "oauth2", "delete", created.ClientID)...); err == nil {
			t.Errorf("deleting twice succeeded: %s", out)
		}
	})
}

// syncBuffer is a bytes.Buffer safe for one writer and one polling reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServe runs `skypanel serve` in process on a free port: the first start prints the
// admin credentials once, they obtain a token whose lifetime is --token-ttl, and cancelling
// the context shuts the server down cleanly.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := newRoot()
	var out syncBuffer
	root.SetOut(&out)
	root.SetErr(&out)
	metricsListen, metricsURL := metricsAddr(t)
	root.SetArgs([]string{"--log-level", "warn", "--data", dir, "serve", "--listen", "127.0.0.1:0", "--token-ttl", "90s", "--sftp-listen", "127.0.0.1:0",
		"--metrics-listen", metricsListen,
		"--volumes", filepath.Join(dir, "volumes")}) // never /var/lib/skypanel/volumes in tests
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	creds := regexp.MustCompile(`curl -s -X POST (http://\S+)/oauth2/token \\\s+-d grant_type=client_credentials -d client_id=(\S+) -d client_secret=(\S+)`)
	var m []string
	deadline := time.Now().Add(30 * time.Second)
	for m == nil {
		select {
		case err := <-done:
			t.Fatalf("serve returned early: %v\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no credentials:\n%s", out.String())
		}
		m = creds.FindStringSubmatch(out.String())
	}
	base, id, secret := m[1], m[2], m[3]

	form := "grant_type=client_credentials&client_id=" + id + "&client_secret=" + secret
	req, _ := http.NewRequest(http.MethodPost, base+"/oauth2/token", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := (&http.Client{Transport: apitest.NewTransport(t, nil)}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("token from the printed credentials: %d %v", resp.StatusCode, err)
	}
	if tok.ExpiresIn != 90 {
		t.Errorf("expires_in = %d with --token-ttl 90s", tok.ExpiresIn)
	}
	checkServeMetrics(t, metricsURL)

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
}
