package node

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

type fixedTokens string

func (f fixedTokens) Token(int) (string, error) { return string(f), nil }

func TestTokenTransportSignsEveryRequest(t *testing.T) {
	got := make(chan string, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Authorization")
	}))
	defer srv.Close()
	base, err := NewTransport(TransportOptions{InsecureHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: &tokenTransport{nodeID: 1, tokens: fixedTokens("tok"), base: base}}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if h := <-got; h != "Bearer tok" {
		t.Fatalf("Authorization = %q", h)
	}
}

func TestTokenTransportBoundsTheWaitForHeaders(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // a node that accepts the connection and never answers
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	base, _ := NewTransport(TransportOptions{InsecureHTTP: true})
	c := &http.Client{Transport: &tokenTransport{nodeID: 1, tokens: fixedTokens("tok"), base: base}}
	ctx := withHeaderTimeout(context.Background(), 50*time.Millisecond)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err := c.Do(req)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("hanging node: %v, want ErrTimeout", err)
	}
}

func TestTokenTransportBodyOutlivesTheHeaderBound(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		time.Sleep(150 * time.Millisecond) // the body is slower than the header bound
		_, _ = w.Write([]byte("late"))
	}))
	defer srv.Close()
	base, _ := NewTransport(TransportOptions{InsecureHTTP: true})
	c := &http.Client{Transport: &tokenTransport{nodeID: 1, tokens: fixedTokens("tok"), base: base}}
	ctx := withHeaderTimeout(context.Background(), 50*time.Millisecond)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b := make([]byte, 16)
	n, _ := resp.Body.Read(b)
	if string(b[:n]) != "late" {
		t.Fatalf("body %q", b[:n])
	}
}

func TestTransportVerifiesNodeCertificates(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts TransportOptions
		ok   bool
	}{
		{"system roots refuse a private CA", TransportOptions{}, false},
		{"the node CA file is trusted", TransportOptions{CAFile: ca}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := NewTransport(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
			if err == nil {
				resp.Body.Close()
			}
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
	bad := filepath.Join(t.TempDir(), "bad.pem")
	_ = os.WriteFile(bad, []byte("not a certificate"), 0o600)
	if _, err := NewTransport(TransportOptions{CAFile: bad}); !errors.Is(err, ErrTransportConfig) {
		t.Fatalf("bad CA file: %v", err)
	}
}
