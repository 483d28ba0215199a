package panel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/skypanel/skypanel/api"
)

// Defaults of Options.
const (
	DefaultInterval   = 30 * time.Second
	DefaultMinBackoff = time.Second
)

// Options configure a Client.
type Options struct {
	// PanelURL is the panel's base URL (https://panel.example.com).
	PanelURL string
	// ClientID is the node's deployment client id, ".node_<id>"; the node id comes from it.
	ClientID     string
	ClientSecret string
	// HTTPClient talks to the panel (its TLS settings, e.g. a CA file, apply). Nil: a client
	// with a 10 s timeout.
	HTTPClient *http.Client
	// BootID and Version are reported at each check-in.
	BootID  string
	Version string
	// Interval between check-ins (default 30 s); MinBackoff is the first retry delay after a
	// failure (default 1 s), doubled up to Interval while the panel stays down.
	Interval   time.Duration
	MinBackoff time.Duration
	// OnCheckIn, when set, is called after each check-in with its result (tests, health).
	OnCheckIn func(error)
	Logger    *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Client is the daemon's client of the panel.
type Client struct {
	opts   Options
	base   string
	nodeID int
	api    *api.ClientWithResponses
	tokens *TokenSource
	log    *slog.Logger
	wait   func(context.Context, time.Duration) bool // sleep; tests record the delays
}

// NodeIDOf returns the node id of a deployment client id ".node_<id>".
func NodeIDOf(clientID string) (int, error) {
	rest, ok := strings.CutPrefix(clientID, ".node_")
	id, err := strconv.Atoi(rest)
	if !ok || err != nil || id < 1 || strconv.Itoa(id) != rest {
		return 0, fmt.Errorf("%w: %q", ErrClientID, clientID)
	}
	return id, nil
}

// New returns a Client for opts; nothing is sent until CheckIn or Run.
func New(opts Options) (*Client, error) {
	nodeID, err := NodeIDOf(opts.ClientID)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(opts.PanelURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%w: panel URL %q must be an absolute http(s) URL", ErrOptions, opts.PanelURL)
	}
	if opts.ClientSecret == "" {
		return nil, fmt.Errorf("%w: no client secret", ErrOptions)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = DefaultMinBackoff
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	base := strings.TrimRight(opts.PanelURL, "/")
	c, err := api.NewClientWithResponses(base, api.WithHTTPClient(opts.HTTPClient))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	return &Client{
		opts: opts, base: base, nodeID: nodeID, api: c,
		tokens: &TokenSource{api: c, id: opts.ClientID, secret: opts.ClientSecret, now: opts.Now},
		log:    opts.Logger.With("component", "panel-client"),
		wait:   sleep,
	}, nil
}

// NodeID is the node's id (from the client id).
func (c *Client) NodeID() int { return c.nodeID }

// JWKSURL is where the panel publishes the keys of its node tokens.
func (c *Client) JWKSURL() string { return c.base + "/.well-known/jwks.json" }

// Tokens is the node's access token source.
func (c *Client) Tokens() *TokenSource { return c.tokens }

// CheckIn reports to the panel that the daemon runs (POST /api/nodes/{id}/checkin). A
// refused token is dropped and the check-in retried once with a new one.
func (c *Client) CheckIn(ctx context.Context) error {
	err := c.checkIn(ctx)
	if errors.Is(err, errTokenRefused) {
		c.tokens.Invalidate()
		err = c.checkIn(ctx)
	}
	if errors.Is(err, errTokenRefused) {
		return fmt.Errorf("%w: %w", ErrCredentials, err)
	}
	return err
}

// errTokenRefused: the panel answered 401 to a check-in.
var errTokenRefused = errors.New("check-in token refused")

func (c *Client) checkIn(ctx context.Context) error {
	tok, err := c.tokens.Token(ctx)
	if err != nil {
		return err
	}
	body := api.NodeCheckin{BootId: c.opts.BootID}
	if c.opts.Version != "" {
		body.Version = &c.opts.Version
	}
	resp, err := c.api.NodeCheckinWithResponse(ctx, api.NodeId(c.nodeID), body, func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+tok)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: check-in: %w", ErrPanelUnavailable, err)
	}
	switch resp.StatusCode() {
	case http.StatusNoContent:
		return nil
	case http.StatusUnauthorized:
		return fmt.Errorf("%w: %s", errTokenRefused, resp.Body)
	}
	return statusError("check-in", resp.StatusCode(), resp.Body)
}

// Run checks in now and then every Interval until ctx ends; after a failure it retries after
// MinBackoff, doubling up to Interval while the panel stays down.
func (c *Client) Run(ctx context.Context) {
	backoff := c.opts.MinBackoff
	down := false
	for {
		err := c.CheckIn(ctx)
		if ctx.Err() != nil {
			return
		}
		if c.opts.OnCheckIn != nil {
			c.opts.OnCheckIn(err)
		}
		wait := c.opts.Interval
		if err == nil {
			if down {
				c.log.Info("panel reachable again: checked in")
			}
			down, backoff = false, c.opts.MinBackoff
		} else {
			c.log.Warn("check-in failed", "panel", c.base, "retry_in", backoff, "err", err)
			down, wait = true, backoff
			backoff = min(2*backoff, c.opts.Interval)
		}
		if !c.wait(ctx, wait) {
			return
		}
	}
}

// sleep waits d or until ctx ends (false then).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
