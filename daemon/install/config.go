package install

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Default base URLs.
const (
	DefaultMojangManifestURL = "https://piston-meta.mojang.com/mc/game/version_manifest_v2.json"
	DefaultPaperAPIURL       = "https://api.papermc.io"
)

// Config configures installations. Zero values take the defaults of Default.
type Config struct {
	// MojangManifestURL is Mojang's version manifest (v2 format) for mojangdl steps.
	MojangManifestURL string
	// PaperAPIURL is the base of the PaperMC downloads API v2 (…/v2/projects/…).
	PaperAPIURL string
	// Mirrors rewrite URL prefixes before any request (step URLs, manifest entries, API
	// downloads); the first matching From wins.
	Mirrors []Mirror
	// Timeout bounds a whole installation (30m).
	Timeout time.Duration
	// HeaderTimeout bounds connecting and receiving response headers of one request (30s).
	HeaderTimeout time.Duration
	// IdleTimeout fails a download whose body sends nothing for this long (60s).
	IdleTimeout time.Duration
	// MaxMetadataBytes bounds a manifest or API answer (16 MiB).
	MaxMetadataBytes int64
	// UserAgent of requests ("SkyPanel-installer").
	UserAgent string
	// Transport for requests (default: a clone of http.DefaultTransport).
	Transport http.RoundTripper
}

// Mirror rewrites URLs starting with From to start with To.
type Mirror struct {
	From string
	To   string
}

// ParseMirror reads "FROM=TO" (both absolute http(s) URLs).
func ParseMirror(s string) (Mirror, error) {
	from, to, ok := strings.Cut(s, "=")
	if !ok || !httpURL(from) || !httpURL(to) {
		return Mirror{}, fmt.Errorf("%w: mirror %q: want FROM=TO with http(s) URLs", ErrInvalidConfig, s)
	}
	return Mirror{From: from, To: to}, nil
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Default returns the defaults.
func Default() Config {
	return Config{
		MojangManifestURL: DefaultMojangManifestURL,
		PaperAPIURL:       DefaultPaperAPIURL,
		Timeout:           30 * time.Minute,
		HeaderTimeout:     30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxMetadataBytes:  16 << 20,
		UserAgent:         "SkyPanel-installer",
	}
}

// Validate checks the base URLs (absolute http(s)) and that durations are not negative.
func (c Config) Validate() error {
	for name, u := range map[string]string{"Mojang manifest URL": c.MojangManifestURL, "Paper API URL": c.PaperAPIURL} {
		if u != "" && !httpURL(u) {
			return fmt.Errorf("%w: %s %q is not an http(s) URL", ErrInvalidConfig, name, u)
		}
	}
	for _, m := range c.Mirrors {
		if !httpURL(m.From) || !httpURL(m.To) {
			return fmt.Errorf("%w: mirror %s=%s: want http(s) URLs", ErrInvalidConfig, m.From, m.To)
		}
	}
	if c.Timeout < 0 || c.HeaderTimeout < 0 || c.IdleTimeout < 0 {
		return fmt.Errorf("%w: negative timeout", ErrInvalidConfig)
	}
	return nil
}

// withDefaults fills zero fields from Default.
func (c Config) withDefaults() Config {
	d := Default()
	if c.MojangManifestURL == "" {
		c.MojangManifestURL = d.MojangManifestURL
	}
	if c.PaperAPIURL == "" {
		c.PaperAPIURL = d.PaperAPIURL
	}
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	if c.HeaderTimeout <= 0 {
		c.HeaderTimeout = d.HeaderTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = d.IdleTimeout
	}
	if c.MaxMetadataBytes <= 0 {
		c.MaxMetadataBytes = d.MaxMetadataBytes
	}
	if c.UserAgent == "" {
		c.UserAgent = d.UserAgent
	}
	if c.Transport == nil {
		c.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	return c
}

// rewrite applies the first matching mirror to u.
func (c Config) rewrite(u string) string {
	for _, m := range c.Mirrors {
		if rest, ok := strings.CutPrefix(u, m.From); ok {
			return m.To + rest
		}
	}
	return u
}
