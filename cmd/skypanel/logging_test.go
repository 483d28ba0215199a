package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/server/apitest"
)

// accessLine is one access log record as --log-format json writes it.
type accessLine struct {
	Msg         string  `json:"msg"`
	Component   string  `json:"component"`
	RequestID   string  `json:"requestId"`
	Method      string  `json:"method"`
	Route       string  `json:"route"`
	OperationID string  `json:"operationId"`
	ClientID    string  `json:"clientId"`
	Status      int     `json:"status"`
	Duration    float64 `json:"duration"` // nanoseconds
	Bytes       int     `json:"bytes"`
}

// serveJSON runs `skypanel serve --log-format json --log-level info` in process with stdout and
// stderr apart; it returns the base URL, the bootstrap admin's credentials and the log buffer.
func serveJSON(t *testing.T) (base, id, secret string, logs *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	root := newRoot()
	var out syncBuffer
	logs = new(syncBuffer)
	root.SetOut(&out)
	root.SetErr(logs)
	root.SetArgs([]string{"--log-level", "info", "--log-format", "json", "--data", t.TempDir(), "serve",
		"--listen", "127.0.0.1:0", "--sftp-listen", "off", "--containerd", "/nonexistent/skypanel-test.sock"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	creds := regexp.MustCompile(`curl -s -X POST (http://\S+)/oauth2/token \\\s+-d grant_type=client_credentials -d client_id=(\S+) -d client_secret=(\S+)`)
	deadline := time.After(30 * time.Second) // only turns a hang into a failure
	for {
		if m := creds.FindStringSubmatch(out.String()); m != nil {
			return m[1], m[2], m[3], logs
		}
		select {
		case err := <-done:
			t.Fatalf("serve returned early: %v\n%s", err, logs.String())
		case <-deadline:
			t.Fatalf("serve printed no credentials:\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// accessLines decodes every line of logs (each must be JSON) and returns the access records.
func accessLines(t *testing.T, logs string) []accessLine {
	t.Helper()
	var got []accessLine
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var l accessLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("--log-format json wrote a line that is not JSON: %q: %v", sc.Text(), err)
		}
		if l.Component != "access" {
			continue
		}
		if n := strings.Count(sc.Text(), `"component":`); n != 1 { // decoders keep the last of duplicate keys
			t.Errorf("access line with %d component keys: %s", n, sc.Text())
		}
		got = append(got, l)
	}
	return got
}

// TestAccessLogJSON: with --log-format json every request gets one JSON access line carrying
// the response's request id, the operation id and route template, the caller's client id
// (none before authentication), status, duration and bytes, and neither the access token nor
// the client secret appears anywhere in the log.
func TestAccessLogJSON(t *testing.T) {
	base, id, secret, logs := serveJSON(t)
	client := &http.Client{Transport: apitest.NewTransport(t, nil)}
	do := func(req *http.Request) (*http.Response, []byte) {
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}
	form := "grant_type=client_credentials&client_id=" + id + "&client_secret=" + secret
	req, _ := http.NewRequest(http.MethodPost, base+"/oauth2/token", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body := do(req)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("token: %d %v %s", resp.StatusCode, err, body)
	}
	req, _ = http.NewRequest(http.MethodGet, base+"/api/users/999999", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, body = do(req)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /api/users/999999 = %d, want 404", resp.StatusCode)
	}
	// the line is written after the response: wait for it (bounded) rather than for a time
	var lines []accessLine
	for deadline := time.Now().Add(10 * time.Second); len(lines) < 2 && time.Now().Before(deadline); {
		lines = accessLines(t, logs.String())
		time.Sleep(10 * time.Millisecond)
	}
	if len(lines) != 2 {
		t.Fatalf("%d access lines for 2 requests:\n%s", len(lines), logs.String())
	}
	issued, got := lines[0], lines[1]
	if issued.Route != "/oauth2/token" || issued.Status != http.StatusOK || issued.ClientID != "" {
		t.Errorf("token request logged as %+v (no principal before authentication)", issued)
	}
	want := accessLine{Msg: "request", Component: "access", RequestID: resp.Header.Get("X-Request-Id"),
		Method: http.MethodGet, Route: "/api/users/{id}", ClientID: id, Status: http.StatusNotFound, Bytes: len(body)}
	got.OperationID, got.Duration = "", 0 // checked below
	if got != want {
		t.Errorf("access line\n got %+v\nwant %+v", got, want)
	}
	if l := lines[1]; l.OperationID == "" || l.Duration <= 0 || want.RequestID == "" {
		t.Errorf("operationId %q, duration %v, X-Request-Id %q: want all set", l.OperationID, l.Duration, want.RequestID)
	}
	all := logs.String()
	for name, s := range map[string]string{"access token": tok.AccessToken, "client secret": secret, "Authorization": "Bearer"} {
		if strings.Contains(all, s) {
			t.Errorf("the log contains the %s", name)
		}
	}
}

// TestLogFormatRefused: an unknown --log-format (or $SKYPANEL_LOG_FORMAT) stops the command
// before it does anything.
func TestLogFormatRefused(t *testing.T) {
	for _, tc := range []struct{ env, flag string }{{"", "yaml"}, {"xml", ""}} {
		t.Setenv("SKYPANEL_LOG_FORMAT", tc.env)
		args := []string{"--data", t.TempDir(), "version"}
		if tc.flag != "" {
			args = append([]string{"--log-format", tc.flag}, args...)
		}
		if _, err := run(t, args...); err == nil || !errors.Is(err, errLogFormat) {
			t.Errorf("env %q flag %q: err = %v, want errLogFormat", tc.env, tc.flag, err)
		}
	}
}
