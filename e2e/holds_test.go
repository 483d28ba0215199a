package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/server/apitest"
)

const (
	hugeBodySize = 4 << 30  // what each client offers: 4 GiB, generated on the fly
	maxSentBytes = 64 << 20 // what it may get into the connection before the answer (socket buffers + what the panel reads)
	maxRSSGrowth = 20 << 20 // the panel's resident memory may grow this much at most
	hugeDeadline = 3 * time.Minute
)

// hugeBody is an http.RoundTripper that offers a chunked body of size bytes (prefix, then
// filler) over a fresh connection, writing until the panel answers or closes, and returns the
// answer. sent counts the body bytes the connection accepted.
type hugeBody struct {
	size   int64
	prefix string
	sent   atomic.Int64
}

func (h *hugeBody) RoundTrip(req *http.Request) (*http.Response, error) {
	conn, err := net.Dial("tcp", req.URL.Host)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(hugeDeadline)) // turns a hang into a failure
	var head bytes.Buffer
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n", req.Method, req.URL.RequestURI(), req.URL.Host)
	_ = req.Header.Write(&head)
	head.WriteString("\r\n")
	stop := make(chan struct{})
	wrote := make(chan error, 1)
	go func() { wrote <- h.write(conn, head.Bytes(), stop) }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	var body []byte
	if err == nil {
		body, err = io.ReadAll(resp.Body)
	}
	close(stop)
	conn.Close() // unblocks a write waiting for buffer space
	<-wrote      //nolint:errcheck // its error (reset or closed by the panel) is expected
	if err != nil {
		return nil, fmt.Errorf("read the answer after %d body bytes: %w", h.sent.Load(), err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// write sends the head, then 64 KiB chunks until size bytes are out, stop is closed or the
// connection fails.
func (h *hugeBody) write(conn net.Conn, head []byte, stop <-chan struct{}) error {
	if _, err := conn.Write(head); err != nil {
		return err
	}
	filler := bytes.Repeat([]byte("a"), 64<<10)
	first := append([]byte(h.prefix), filler[len(h.prefix):]...)
	frame := func(data []byte) []byte {
		return append(append([]byte(strconv.FormatInt(int64(len(data)), 16)+"\r\n"), data...), "\r\n"...)
	}
	firstFrame, fillFrame := frame(first), frame(filler)
	for h.sent.Load() < h.size {
		select {
		case <-stop:
			return nil
		default:
		}
		f := fillFrame
		if h.sent.Load() == 0 {
			f = firstFrame
		}
		if _, err := conn.Write(f); err != nil {
			return err
		}
		h.sent.Add(int64(len(filler)))
	}
	_, err := conn.Write([]byte("0\r\n\r\n"))
	return err
}

// memory reads VmRSS and VmHWM (peak) of a process, in bytes.
func memory(t *testing.T, pid int) (rss, peak int64) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = n << 10
		case "VmHWM:":
			peak = n << 10
		}
	}
	if rss == 0 || peak == 0 {
		t.Fatalf("no VmRSS/VmHWM in /proc/%d/status", pid)
	}
	return rss, peak
}

// TestPanelHoldsHugeBodies: unauthenticated and authenticated clients each offer a 4 GiB
// chunked body, all at once, to the token endpoint (octet-stream and form) and to a JSON
// route. The real `skypanel serve` answers each (415, 413 or 401) having taken a bounded part
// of the body, its resident memory stays within 20 MiB of before (peak included), and it
// still answers afterwards.
func TestPanelHoldsHugeBodies(t *testing.T) {
	t.Parallel()
	p := startPanel(t, "/nonexistent/skypanel-e2e/containerd.sock")
	token := p.accessToken(t)
	pid := p.cmd.Process.Pid
	const form, json, octet = "application/x-www-form-urlencoded", "application/json", "application/octet-stream"
	cases := []struct {
		name, method, path, ct, token, prefix string
		status                                int
		code                                  api.ErrorCode
	}{
		{"token endpoint, octet-stream", http.MethodPost, "/oauth2/token", octet, "", "", 415, api.ErrorCodeErrUnsupportedMediaType},
		{"token endpoint, form", http.MethodPost, "/oauth2/token", form, "", "grant_type=client_credentials&pad=", 413, api.ErrorCodeErrPayloadTooLarge},
		{"introspection, form", http.MethodPost, "/oauth2/introspect", form, token, "token=", 413, api.ErrorCodeErrPayloadTooLarge},
		{"JSON route without a token", http.MethodPut, "/api/servers/HOLDS001", json, "", `{"name":"`, 401, api.ErrorCodeErrUnauthorized},
		{"JSON route with a token", http.MethodPut, "/api/servers/HOLDS001", json, token, `{"name":"`, 413, api.ErrorCodeErrPayloadTooLarge},
		{"JSON route, octet-stream", http.MethodPut, "/api/servers/HOLDS001", octet, token, "", 415, api.ErrorCodeErrUnsupportedMediaType},
		{"no body route, octet-stream", http.MethodGet, "/api/self", octet, "", "", 415, api.ErrorCodeErrUnsupportedMediaType},
	}
	rss0, peak0 := memory(t, pid)
	// Reset the peak to the current RSS (Linux: clear_refs 5) so VmHWM measures this test only.
	peakReset := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
	if peakReset {
		rss0, peak0 = memory(t, pid)
	}
	var wg sync.WaitGroup
	for _, tc := range cases {
		wg.Go(func() {
			hb := &hugeBody{size: hugeBodySize, prefix: tc.prefix}
			req, err := http.NewRequest(tc.method, p.url+tc.path, nil)
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", tc.ct)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := apitest.NewTransport(t, hb).RoundTrip(req)
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(b), `"code":"`+string(tc.code)+`"`) || !resp.Close {
				t.Errorf("%s: %d %s (closes: %v), want %d %s and Connection: close", tc.name, resp.StatusCode, b, resp.Close, tc.status, tc.code)
			}
			if sent := hb.sent.Load(); sent > maxSentBytes {
				t.Errorf("%s: %d MiB of the body went out before the answer (at most %d MiB)", tc.name, sent>>20, maxSentBytes>>20)
			} else {
				t.Logf("%s: %d %s after %d KiB of %d GiB", tc.name, resp.StatusCode, tc.code, sent>>10, hugeBodySize>>30)
			}
		})
	}
	wg.Wait()
	rss1, peak1 := memory(t, pid)
	t.Logf("panel memory: VmRSS %d → %d MiB, VmHWM %d → %d MiB (peak reset: %v)", rss0>>20, rss1>>20, peak0>>20, peak1>>20, peakReset)
	if rss1 > rss0+maxRSSGrowth {
		t.Errorf("VmRSS grew from %d to %d MiB (at most +%d MiB)", rss0>>20, rss1>>20, maxRSSGrowth>>20)
	}
	if base := max(peak0, rss0); peak1 > base+maxRSSGrowth {
		t.Errorf("VmHWM grew from %d to %d MiB (at most +%d MiB)", base>>20, peak1>>20, maxRSSGrowth>>20)
	}
	self, err := p.client(t).GetSelfWithResponse(context.Background())
	if err != nil || self.JSON200 == nil {
		t.Fatalf("the panel does not answer afterwards: %v %s", err, body(self))
	}
}
