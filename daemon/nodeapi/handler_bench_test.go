package nodeapi

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// BenchmarkVerify is the per-request cost of checking a panel token (key cached).
func BenchmarkVerify(b *testing.B) {
	p := newPanelKeys(b)
	v, err := NewVerifier(VerifierOptions{JWKSURL: p.jwksURL(), NodeID: 1})
	if err != nil {
		b.Fatal(err)
	}
	toks := make([]string, b.N)
	now := time.Now()
	for i := range toks {
		toks[i] = p.mint(b, now, tokenSpec{})
	}
	b.ResetTimer()
	for i := range b.N {
		if err := v.Verify(context.Background(), toks[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandlerDownload streams a 32 MiB file through Handler on loopback (MB/s).
func BenchmarkHandlerDownload(b *testing.B) {
	p := newPanelKeys(b)
	n := newFakeNode()
	n.servers["S"] = daemonapi.Definition{Id: "S"}
	n.files["big"] = bytes.Repeat([]byte("x"), 32<<20)
	v, err := NewVerifier(VerifierOptions{JWKSURL: p.jwksURL(), NodeID: 1})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(Handler(n, HandlerOptions{Verifier: v}))
	defer srv.Close()
	b.SetBytes(32 << 20)
	for range b.N {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/servers/S/files?path=big", nil)
		req.Header.Set("Authorization", "Bearer "+p.mint(b, time.Now(), tokenSpec{}))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil || resp.StatusCode != 200 {
			b.Fatal(err, resp.StatusCode)
		}
		resp.Body.Close()
	}
}
