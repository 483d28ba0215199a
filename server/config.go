package server

import (
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/skypanel/skypanel/server/webhook"
)

// Config is the panel's configuration: a plain struct with defaults, loaded once in main
// (flags and environment) and passed down.
type Config struct {
	Listen       string        // address of the HTTP(S) listener
	DataDir      string        // SQLite database, keys, server data
	TLSCert      string        // PEM certificate; with TLSKey serves HTTPS
	TLSKey       string        // PEM key
	TokenTTL     time.Duration // access token lifetime
	ClientLimit  RateLimit     // per OAuth2 client
	IPLimit      RateLimit     // per IP, unauthenticated requests (token endpoint included)
	MaxBodyBytes int64         // JSON and form request body limit (streamed uploads excluded)
	// MaxTokenBodyBytes limits the form bodies of /oauth2/token and /oauth2/introspect.
	MaxTokenBodyBytes int64
	// BodyReadTimeout bounds the read of a JSON or form body (streamed uploads excluded).
	BodyReadTimeout time.Duration
	// TrustedProxies are the CIDRs (or single addresses) of reverse proxies whose
	// X-Forwarded-For is believed; empty: the socket's peer address is the client.
	TrustedProxies []string
	ShutdownWait   time.Duration // graceful shutdown deadline
	// AllowedOrigins are browser origins allowed to open WebSockets besides the panel's own
	// host (patterns as in SocketOptions.AllowedOrigins; "*" allows every origin).
	AllowedOrigins []string
	// NodeCA is a PEM file of the CAs that sign remote nodes' certificates ("" = system roots).
	NodeCA string
	// NodeInsecureHTTP talks plain HTTP to remote nodes (UNSAFE: tokens and files in the
	// clear; loopback tests and private tunnels only).
	NodeInsecureHTTP bool
	// TokenRevalidate is how long a cached access token is trusted before it is re-read
	// (bounds how late a revocation by another process is seen; 0: the provider's default).
	TokenRevalidate time.Duration
	// Webhooks tunes webhook delivery (zero fields: webhook.Default()).
	Webhooks webhook.Config
	// MetricsListen is the address of the Prometheus /metrics listener ("" = none). It has no
	// authentication: bind it to loopback or a private network.
	MetricsListen string

	// What Open builds besides the configuration values.

	// Node configures the embedded local node.
	Node NodeConfig
	// Logger is the panel's log (nil: slog.Default()).
	Logger *slog.Logger
	// Listener, when set, is used instead of listening on Listen (tests, benchmarks).
	Listener net.Listener
	// BootstrapOutput receives the admin credentials a fresh database prints once (nil: discarded).
	BootstrapOutput io.Writer
}

// Default returns the documented defaults.
func Default() Config {
	return Config{
		Listen:            "127.0.0.1:8080",
		DataDir:           "./data",
		TokenTTL:          time.Hour,
		ClientLimit:       RateLimit{Limit: 1000, Window: time.Hour},
		IPLimit:           RateLimit{Limit: 100, Window: time.Hour},
		MaxBodyBytes:      1 << 20,
		MaxTokenBodyBytes: 64 << 10,
		BodyReadTimeout:   time.Minute,
		ShutdownWait:      15 * time.Second,
	}
}
