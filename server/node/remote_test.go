package node_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	skypanel "github.com/skypanel/skypanel"
	"github.com/skypanel/skypanel/apispec"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/gen/daemonapi"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/node/nodetest"
)

// recorder counts the requests a Remote makes and remembers their Content-Length.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	reqs []string
	lens []int64
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Method+" "+req.URL.Path+" "+req.Header.Get("Range"))
	r.lens = append(r.lens, req.ContentLength)
	r.mu.Unlock()
	return r.base.RoundTrip(req)
}

func (r *recorder) reset() ([]string, []int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	reqs, lens := r.reqs, r.lens
	r.reqs, r.lens = nil, nil
	return reqs, lens
}

// remoteOver returns a Remote of node id at srv whose requests go through rec.
func remoteOver(t *testing.T, id int, srv *httptest.Server, tokens node.TokenSource, base http.RoundTripper) *node.Remote {
	t.Helper()
	host, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	p, _ := strconv.Atoi(port)
	r, err := node.NewRemote(node.RemoteOptions{NodeID: id, Host: host, Port: p, Scheme: "http", Tokens: tokens,
		Transport: base, EventIdleTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRemoteRangeCostsOneRequest: http.ServeContent over a remote file answers a Range with
// one extra request at most, and a conditional request with none.
func TestRemoteRangeCostsOneRequest(t *testing.T) {
	ctx := context.Background()
	d := nodetest.Serve(t, nodetest.NewService(t, 7), 7, nodetest.NewSigner(t))
	rec := &recorder{base: d.Checked}
	r := remoteOver(t, 7, d.Server, d.Signer, rec)
	if err := r.CreateServer(ctx, nodetest.Def("rng")); err != nil {
		t.Fatal(err)
	}
	data := strings.Repeat("0123456789", 1000)
	if err := r.WriteFile(ctx, "rng", "f.txt", strings.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteFile(ctx, "rng", "g.txt", io.MultiReader(strings.NewReader(data)), -1); err != nil {
		t.Fatal(err)
	}
	if _, lens := rec.reset(); lens[1] != int64(len(data)) || lens[2] != -1 {
		t.Fatalf("upload Content-Length %v, want %d then -1 (streamed)", lens[1:], len(data))
	}
	cases := []struct {
		name     string
		hdr      map[string]string
		status   int
		requests int
	}{
		{"whole", nil, http.StatusOK, 1},
		{"range", map[string]string{"Range": "bytes=5000-5009"}, http.StatusPartialContent, 2},
		{"suffix", map[string]string{"Range": "bytes=-10"}, http.StatusPartialContent, 2},
		{"first bytes", map[string]string{"Range": "bytes=0-9"}, http.StatusPartialContent, 1},
	}
	for _, tc := range cases {
		res, err := r.ReadFile(ctx, "rng", "f.txt", 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodGet, "/x", nil)
		for k, v := range tc.hdr {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		http.ServeContent(w, req, "", res.File.ModTime, res.File.Body)
		res.File.Body.Close()
		reqs, _ := rec.reset()
		if w.Code != tc.status || len(reqs) != tc.requests {
			t.Errorf("%s: %d after %d requests %q, want %d after %d", tc.name, w.Code, len(reqs), reqs, tc.status, tc.requests)
		}
	}
}

// TestRemoteTokenForAnotherNode: a node refuses the tokens made for another; the Remote says
// the node is unavailable because it refused the panel's token.
func TestRemoteTokenForAnotherNode(t *testing.T) {
	d := nodetest.Serve(t, nodetest.NewService(t, 3), 3, nodetest.NewSigner(t))
	r := remoteOver(t, 2, d.Server, d.Signer, d.Checked) // node 2's client pointed at node 3
	_, err := r.Health(context.Background())
	if !errors.Is(err, node.ErrUnavailable) || !errors.Is(err, nodeapi.ErrUnauthorized) {
		t.Fatalf("node 3 answering node 2's token: %v", err)
	}
	other := remoteOver(t, 3, d.Server, nodetest.NewSigner(t), d.Checked) // a key the panel does not publish
	if _, err := other.Health(context.Background()); !errors.Is(err, nodeapi.ErrUnauthorized) {
		t.Fatalf("a token signed with an unknown key: %v", err)
	}
}

// ndjsonNode is a stand-in node whose event stream the test scripts line by line.
func ndjsonNode(t *testing.T, script func(w http.ResponseWriter, flush func())) (*httptest.Server, http.RoundTripper) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"kind":"backlog","backlog":[{"cursor":1,"time":1,"text":"old"}]}`+"\n")
		flush := func() { w.(http.Flusher).Flush() }
		flush()
		script(w, flush)
	}))
	t.Cleanup(srv.Close)
	spec, err := apispec.Load(context.Background(), skypanel.DaemonAPI, apispec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return srv, apispec.NewTransport(spec, nil, func(err error) { t.Errorf("daemon.yaml: %v", err) })
}

func TestRemoteEventsEnd(t *testing.T) {
	line := func(text string) string {
		return `{"kind":"console","line":{"cursor":2,"time":2,"text":"` + text + `"}}` + "\n"
	}
	cases := []struct {
		name    string
		script  func(w http.ResponseWriter, flush func())
		timeout bool // Err wraps ErrTimeout
		clean   bool // Err is nil
	}{
		{"deleted", func(w http.ResponseWriter, flush func()) {
			_, _ = io.WriteString(w, line("live")+`{"kind":"deleted"}`+"\n")
		}, false, true},
		{"silent node", func(w http.ResponseWriter, flush func()) {
			_, _ = io.WriteString(w, line("live"))
			flush()
			time.Sleep(2 * time.Second) // silent far beyond the Remote's 200 ms idle limit
		}, true, false},
		{"cut connection", func(w http.ResponseWriter, flush func()) {
			_, _ = io.WriteString(w, line("live"))
			flush()
			panic(http.ErrAbortHandler)
		}, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, tr := ndjsonNode(t, tc.script)
			s, err := remoteOver(t, 9, srv, nodetest.NewSigner(t), tr).Events(context.Background(), "ev", 8)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if b := s.Backlog(); len(b) != 1 || b[0].Text != "old" {
				t.Fatalf("backlog %+v", b)
			}
			var texts []string
			for ev := range s.C() {
				if ev.Line != nil {
					texts = append(texts, ev.Line.Text)
				}
			}
			if len(texts) != 1 || texts[0] != "live" {
				t.Fatalf("events %q, want [live]", texts)
			}
			err = s.Err()
			switch {
			case tc.clean && err != nil:
				t.Fatalf("Err = %v, want nil", err)
			case !tc.clean && !errors.Is(err, node.ErrUnavailable):
				t.Fatalf("Err = %v, want ErrUnavailable", err)
			case tc.timeout && !errors.Is(err, node.ErrTimeout):
				t.Fatalf("Err = %v, want ErrTimeout", err)
			}
		})
	}
}

// archiveNode exports fixed data with the sum it is told to claim, and imports into a buffer.
type archiveNode struct {
	nodeapi.Node // the other operations are not called
	data, claim  string
	mu           sync.Mutex
	got          bytes.Buffer
	expect       string
}

func (a *archiveNode) Export(_ context.Context, _ string, w io.Writer) (string, error) {
	_, err := io.WriteString(w, a.data)
	return a.claim, err
}

func (a *archiveNode) Import(_ context.Context, _ string, r io.Reader, expect string) (daemonapi.ImportResult, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(&a.got, h), r)
	a.expect = expect
	return daemonapi.ImportResult{Sha256: hex.EncodeToString(h.Sum(nil)), Bytes: n}, err
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestRemoteExportImport(t *testing.T) {
	ctx := context.Background()
	data := strings.Repeat("tar bytes ", 10000)
	an := &archiveNode{data: data, claim: sum(data)}
	d := nodetest.Serve(t, an, 4, nodetest.NewSigner(t))
	r := d.Remote(t, nil)
	var out bytes.Buffer
	got, err := r.Export(ctx, "srv", &out)
	if err != nil || got != sum(data) || out.String() != data {
		t.Fatalf("export: %q (%d bytes), %v", got, out.Len(), err)
	}
	an.claim = sum("something else") // the node's trailer disagrees with what arrived
	if _, err := r.Export(ctx, "srv", io.Discard); !errors.Is(err, nodeapi.ErrChecksumMismatch) {
		t.Fatalf("export with a wrong trailer: %v", err)
	}
	res, err := r.Import(ctx, "srv", strings.NewReader(data), sum(data))
	if err != nil || res.Sha256 != sum(data) || res.Bytes != int64(len(data)) || an.got.String() != data || an.expect != sum(data) {
		t.Fatalf("import: %+v, %v (node got %d bytes, expect %q)", res, err, an.got.Len(), an.expect)
	}
	broken := io.MultiReader(strings.NewReader("part"), errReader{})
	if _, err := r.Import(ctx, "srv", broken, ""); err == nil || errors.Is(err, node.ErrUnavailable) {
		t.Fatalf("a failing source: %v, want its error, not the node being unavailable", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("source broke") }

// TestRemoteOverTLS: a node behind TLS is reached when its CA is the panel's --node-ca, and
// is unavailable (its certificate refused) with the system roots.
func TestRemoteOverTLS(t *testing.T) {
	d := nodetest.Serve(t, nodetest.NewService(t, 6), 6, nodetest.NewSigner(t))
	srv := httptest.NewTLSServer(d.Server.Config.Handler)
	defer srv.Close()
	ca := t.TempDir() + "/ca.pem"
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	p, _ := strconv.Atoi(port)
	for _, tc := range []struct {
		name string
		opts node.TransportOptions
		ok   bool
	}{
		{"node CA", node.TransportOptions{CAFile: ca}, true},
		{"system roots", node.TransportOptions{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, err := node.NewTransport(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			r, err := node.NewRemote(node.RemoteOptions{NodeID: 6, Host: host, Port: p, Scheme: tc.opts.Scheme(),
				Tokens: d.Signer, Transport: base})
			if err != nil {
				t.Fatal(err)
			}
			h, err := r.Health(context.Background())
			if tc.ok && (err != nil || h.NodeId != 6) {
				t.Fatalf("health over TLS: %+v, %v", h, err)
			}
			if !tc.ok && !errors.Is(err, node.ErrUnavailable) {
				t.Fatalf("an unverified node: %v, want ErrUnavailable", err)
			}
		})
	}
}
