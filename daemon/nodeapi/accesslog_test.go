package nodeapi

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the server's and the test's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type daemonAccessLine struct {
	Component   string  `json:"component"`
	Method      string  `json:"method"`
	Route       string  `json:"route"`
	OperationID string  `json:"operationId"`
	Status      int     `json:"status"`
	Duration    float64 `json:"duration"`
	Bytes       int     `json:"bytes"`
}

// TestHandlerAccessLog: each request (served or refused) is one JSON access line with the
// route template, operation id, status, duration and body size; the panel's token is not in it.
func TestHandlerAccessLog(t *testing.T) {
	var buf lockedBuffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	d := newTestDaemon(t, HandlerOptions{Logger: log})
	resp := d.do(t, http.MethodGet, "/v1/health", nil, nil)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("health: %d", resp.StatusCode)
	}
	noToken := &http.Client{Transport: specTransport{t: t}} // validated, no token: refused
	resp, err := noToken.Get(d.srv.URL + "/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	refused, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var lines []daemonAccessLine
	for deadline := time.Now().Add(10 * time.Second); len(lines) < 2 && time.Now().Before(deadline); {
		lines = lines[:0]
		for _, raw := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			var l daemonAccessLine
			if raw != "" && json.Unmarshal([]byte(raw), &l) == nil && l.Component == "access" {
				lines = append(lines, l)
			}
		}
		time.Sleep(10 * time.Millisecond) // the line follows the response: wait for it, bounded
	}
	if len(lines) != 2 {
		t.Fatalf("%d access lines for 2 requests:\n%s", len(lines), buf.String())
	}
	for i, want := range []struct {
		status, bytes int
	}{{http.StatusOK, len(body)}, {http.StatusUnauthorized, len(refused)}} {
		l := lines[i]
		if l.Method != http.MethodGet || l.Route != "/v1/health" || l.OperationID == "" ||
			l.Status != want.status || l.Bytes != want.bytes || l.Duration <= 0 {
			t.Errorf("line %d = %+v, want GET /v1/health with its operation id, %d, %d bytes", i, l, want.status, want.bytes)
		}
	}
	if strings.Contains(buf.String(), "Bearer") || strings.Contains(buf.String(), "eyJ") {
		t.Errorf("the access log contains a token:\n%s", buf.String())
	}
}
