package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// selfSigned writes a certificate for 127.0.0.1 and its key as PEM files in dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "node test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestPanelCA: --panel-ca makes the daemon trust the panel's certificate; without it the
// system roots do not, and a file without certificates is refused.
func TestPanelCA(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "panel-ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := panelHTTPClient(ca)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("with --panel-ca: %v", err)
	}
	resp.Body.Close()
	sys, err := panelHTTPClient("")
	if err != nil {
		t.Fatal(err)
	}
	var unknown x509.UnknownAuthorityError
	if _, err := sys.Get(srv.URL); !errors.As(err, &unknown) {
		t.Fatalf("without --panel-ca: %v, want an unknown authority", err)
	}
	empty := filepath.Join(dir, "empty.pem")
	_ = os.WriteFile(empty, []byte("not a certificate"), 0o600)
	if _, err := panelHTTPClient(empty); !errors.Is(err, errDaemonFlags) {
		t.Fatalf("--panel-ca without certificates: %v", err)
	}
}

// TestDaemonServesTLS: with --tls-cert/--tls-key the node API is HTTPS only (a client
// trusting the certificate gets the API's 401 envelope without a token; plain HTTP is not
// served), and the command returns cleanly when its context ends, even while the panel is
// unreachable.
func TestDaemonServesTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := newRoot()
	var out syncBuffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"--log-level", "warn", "--data", filepath.Join(dir, "data"), "daemon",
		"--panel", "http://127.0.0.1:1", "--client-id", ".node_5", "--client-secret", "x",
		"--listen", fmt.Sprintf("127.0.0.1:%d", port), "--tls-cert", certFile, "--tls-key", keyFile,
		"--containerd", "/nonexistent/skypanel-test.sock", "--standard-servers", "off", "--sftp-listen", "127.0.0.1:0",
		"--volumes", filepath.Join(dir, "volumes"), "--cni-state-dir", filepath.Join(dir, "cni")})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	url := fmt.Sprintf("https://127.0.0.1:%d/v1/health", port)
	var resp *http.Response
	deadline := time.After(60 * time.Second) // only turns a hang into a failure
	for {
		var err error
		if resp, err = client.Get(url); err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("daemon returned early: %v\n%s", err, out.String())
		case <-deadline:
			t.Fatalf("the node API never answered over HTTPS: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || e.Error.Code != "ErrUnauthorized" {
		t.Fatalf("HTTPS without a token: %d %q", resp.StatusCode, e.Error.Code)
	}
	plain, err := http.Get(strings.Replace(url, "https://", "http://", 1))
	if err == nil {
		plain.Body.Close()
		if plain.StatusCode != http.StatusBadRequest { // Go's answer to HTTP on a TLS port
			t.Fatalf("plain HTTP on the TLS port answered %d", plain.StatusCode)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("daemon: %v\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("daemon did not stop after its context was cancelled")
	}
}
