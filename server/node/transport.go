package node

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// Bounds of the panel's calls to remote nodes: a node that does not answer costs at most
// DialTimeout + QuickTimeout before the caller gets ErrUnavailable.
const (
	// DialTimeout bounds connecting (and the TLS handshake) to a node.
	DialTimeout = 2 * time.Second
	// QuickTimeout bounds the wait for the response headers of quick calls (status, power,
	// files, events, …), counted from when the request was written.
	QuickTimeout = 3 * time.Second
	// LongTimeout bounds the wait for the response headers of long calls (create with an
	// image pull, start, install, restore, backups, imports).
	LongTimeout = 10 * time.Minute
)

// TransportOptions say how the panel reaches its nodes.
type TransportOptions struct {
	// CAFile is a PEM bundle of the CAs that sign node certificates; "" uses the system roots.
	CAFile string
	// InsecureHTTP talks plain HTTP to nodes: tokens and files cross the network in the
	// clear. Only for loopback tests and nodes reached through a private tunnel.
	InsecureHTTP bool
}

// Scheme is the URL scheme of nodes: https unless InsecureHTTP.
func (o TransportOptions) Scheme() string {
	if o.InsecureHTTP {
		return "http"
	}
	return "https"
}

// NewTransport returns the pooled transport shared by every remote node: dial and TLS
// handshake bounded by DialTimeout, node certificates verified against CAFile (or the system
// roots), HTTP/2 off (streams are long-lived and each gets its own connection).
func NewTransport(o TransportOptions) (*http.Transport, error) {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%w: node CA file: %w", ErrTransportConfig, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: node CA file %s holds no PEM certificate", ErrTransportConfig, o.CAFile)
		}
		tlsConf.RootCAs = pool
	}
	d := &net.Dialer{Timeout: DialTimeout, KeepAlive: 15 * time.Second}
	return &http.Transport{
		DialContext:         d.DialContext,
		TLSClientConfig:     tlsConf,
		TLSHandshakeTimeout: DialTimeout,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
		DisableCompression:  true, // file bodies are streamed byte for byte (Range offsets)
	}, nil
}

// tokenTransport adds a fresh panel token for one node to every request and bounds the wait
// for response headers (QuickTimeout unless the request's context says otherwise).
type tokenTransport struct {
	nodeID int
	tokens TokenSource
	base   http.RoundTripper
	// down, when set, is cancelled (with a cause) when the node is found down: every request
	// in flight, streams included, ends then.
	down func() context.Context
}

// TokenSource mints a token for a node (the Signer).
type TokenSource interface {
	Token(nodeID int) (string, error)
}

type headerTimeoutKey struct{}

// withHeaderTimeout sets the response-header bound of the requests made with ctx.
func withHeaderTimeout(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, headerTimeoutKey{}, d)
}

func headerTimeout(ctx context.Context) time.Duration {
	if d, ok := ctx.Value(headerTimeoutKey{}).(time.Duration); ok {
		return d
	}
	return QuickTimeout
}

// RoundTrip signs req and waits at most headerTimeout for the answer's headers; the body is
// then read without a deadline (streams), ended by the caller's context or Close.
func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.tokens.Token(t.nodeID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(req.Context())
	release := func() bool { return true }
	var down context.Context
	if t.down != nil {
		down = t.down()
		release = context.AfterFunc(down, cancel)
	}
	r := req.Clone(ctx)
	r.Header.Set("Authorization", "Bearer "+tok)
	var (
		mu       sync.Mutex
		timedOut bool
	)
	timer := time.AfterFunc(headerTimeout(req.Context()), func() {
		mu.Lock()
		timedOut = true
		mu.Unlock()
		cancel()
	})
	resp, err := t.base.RoundTrip(r)
	stopped := timer.Stop()
	mu.Lock()
	late := timedOut
	mu.Unlock()
	if err != nil || (!stopped && late) {
		release()
		cancel()
		if resp != nil {
			resp.Body.Close()
		}
		switch {
		case down != nil && down.Err() != nil:
			return nil, fmt.Errorf("the node was found down: %w", context.Cause(down))
		case late:
			return nil, fmt.Errorf("%w: no answer within %s", ErrTimeout, headerTimeout(req.Context()))
		}
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: func() { release(); cancel() }}
	return resp, nil
}

// cancelBody releases the request's context when the body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel func()
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
