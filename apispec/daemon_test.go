package apispec

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	skypanel "github.com/skypanel/skypanel"
)

// daemonCodes are daemon.yaml's DaemonErrorCode values the validator uses: the daemon has no
// ErrFieldRequired or ErrPayloadTooLarge, so those fall back to ErrFieldInvalid.
var daemonCodes = Codes{FieldInvalid: "ErrFieldInvalid", UnsupportedMediaType: "ErrUnsupportedMediaType"}

func loadDaemonSpec() (*Spec, error) {
	return Load(context.Background(), skypanel.DaemonAPI, Options{})
}

func loadDaemon(t *testing.T) *Spec {
	t.Helper()
	s, err := loadDaemonSpec()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDaemonRoutes: every operation of daemon.yaml is found from its own path.
func TestDaemonRoutes(t *testing.T) {
	s := loadDaemon(t)
	if len(s.Operations()) < 20 {
		t.Fatalf("only %d operations in daemon.yaml", len(s.Operations()))
	}
	for _, op := range s.Operations() {
		path := op.Path
		for _, p := range []string{"{id}", "{backupId}"} {
			path = strings.ReplaceAll(path, p, "x1")
		}
		got, _, err := s.Match(op.Method, path)
		if err != nil || got != op {
			t.Errorf("%s %s: matched %v, %v; want %s", op.Method, path, got, err, op.ID)
		}
	}
}

// TestDaemonMiddleware validates requests to a stand-in node against daemon.yaml with the
// daemon's codes; every response is checked against daemon.yaml.
func TestDaemonMiddleware(t *testing.T) {
	spec := loadDaemon(t)
	v := NewValidator(spec, ValidatorOptions{Codes: daemonCodes})
	mux := http.NewServeMux()
	mux.Handle("POST /v1/servers/{id}/power", echo(http.StatusNoContent))
	mux.Handle("POST /v1/servers/{id}/command", echo(http.StatusNoContent))
	mux.Handle("PUT /v1/servers/{id}/files", echo(http.StatusNoContent))
	mux.HandleFunc("PUT /v1/servers/{id}/archive", func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, _ := io.Copy(h, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"sha256": hex.EncodeToString(h.Sum(nil)), "bytes": n})
	})
	srv := httptest.NewServer(v.Middleware(mux))
	defer srv.Close()
	client, tr := checkingClient(t, spec)

	twoMiB := strings.Repeat("y", 2<<20)
	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		code                            string
	}{
		{"power", "POST", "/v1/servers/s1/power", "application/json", `{"action":"start"}`, 204, ""},
		{"power action outside enum", "POST", "/v1/servers/s1/power", "application/json", `{"action":"dance"}`, 400, "ErrFieldInvalid"},
		{"power without action", "POST", "/v1/servers/s1/power", "application/json", `{}`, 400, "ErrFieldInvalid"},
		{"power as text", "POST", "/v1/servers/s1/power", "text/plain", `start`, 415, "ErrUnsupportedMediaType"},
		{"command over 1 MiB", "POST", "/v1/servers/s1/command", "application/json", `{"command":"` + twoMiB + `"}`, 413, "ErrFieldInvalid"},
		{"file upload streamed past the JSON limit", "PUT", "/v1/servers/s1/files?path=a.txt", "application/octet-stream", twoMiB, 204, ""},
		{"file upload without path", "PUT", "/v1/servers/s1/files", "application/octet-stream", "x", 400, "ErrFieldInvalid"},
		{"file upload as json", "PUT", "/v1/servers/s1/files?path=a", "application/json", `{}`, 415, "ErrUnsupportedMediaType"},
		{"archive import streamed", "PUT", "/v1/servers/s1/archive", "application/x-tar", twoMiB, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", c.ctype)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != c.status {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, b)
			}
			if c.code != "" {
				if e := decodeEnvelope(t, resp); e.Code != c.code {
					t.Fatalf("code %s, want %s (%s)", e.Code, c.code, e.Msg)
				}
			}
			if c.status == 204 && strings.HasPrefix(c.ctype, "application/octet") {
				if got := resp.Header.Get("X-Got-Bytes"); got != itoa(int64(len(c.body))) {
					t.Fatalf("handler read %s bytes, want %d", got, len(c.body))
				}
			}
		})
	}
	if tr.Seen()["importServer"] != 1 {
		t.Fatalf("importServer responses checked: %v", tr.Seen())
	}
}
