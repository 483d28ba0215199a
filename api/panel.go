package api

// Panel and New: the ready client. (NewClient is the generated constructor of the bare client,
// hence New.)

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Panel is a client of one panel: the generated ClientWithResponses (every operation, as
// …WithResponse methods) on an HTTP client that obtains and refreshes its OAuth2 token and
// retries, plus the helpers of this package.
type Panel struct {
	*ClientWithResponses
	base   *url.URL
	http   *http.Client // token + retries: the generated client's
	plain  http.RoundTripper
	tokens *tokenCache
}

// Option configures New.
type Option func(*options)

type options struct {
	scopes        []string
	transport     http.RoundTripper
	retry         RetryPolicy
	refreshBefore time.Duration
	editors       []RequestEditorFn
}

// WithScopes narrows the token to scopes (default: every scope of the client).
func WithScopes(scopes ...string) Option {
	return func(o *options) { o.scopes = append(o.scopes, scopes...) }
}

// WithTransport sets the transport below the token and retry layers (default
// http.DefaultTransport): custom TLS, proxies, tracing.
func WithTransport(rt http.RoundTripper) Option { return func(o *options) { o.transport = rt } }

// WithRetryPolicy replaces DefaultRetryPolicy (MaxAttempts 1 disables retries).
func WithRetryPolicy(p RetryPolicy) Option { return func(o *options) { o.retry = p } }

// WithRetryAll retries POST and PATCH requests too (see AllowRetry to do it per request).
func WithRetryAll() Option { return func(o *options) { o.retry.All = true } }

// WithRefreshBefore sets how long before its expiry a token is replaced (default one minute,
// as the server's socket warns a minute ahead).
func WithRefreshBefore(d time.Duration) Option { return func(o *options) { o.refreshBefore = d } }

// WithEditor adds a request editor to every call of the generated client (e.g. a User-Agent).
func WithEditor(fn RequestEditorFn) Option {
	return func(o *options) { o.editors = append(o.editors, fn) }
}

// New returns a client of the panel at baseURL (e.g. "https://panel.example.com") acting as the
// OAuth2 client clientID: tokens come from <baseURL>/oauth2/token (client credentials grant) and
// are refreshed before they expire. No request is made until the first call.
func New(baseURL, clientID, secret string, opts ...Option) (*Panel, error) {
	o := options{retry: DefaultRetryPolicy, transport: http.DefaultTransport, refreshBefore: time.Minute}
	for _, opt := range opts {
		opt(&o)
	}
	base, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("api: base URL: %w", err)
	}
	if base.Scheme != "http" && base.Scheme != "https" || base.Host == "" {
		return nil, fmt.Errorf("api: base URL %q: %w", baseURL, ErrBaseURL)
	}
	if clientID == "" || secret == "" {
		return nil, ErrCredentials
	}
	// the token endpoint is retried like any call (a 429 or 503 there is as passing)
	tokenRetry := o.retry
	tokenRetry.All = true
	tokenHTTP := &http.Client{Transport: NewRetryTransport(o.transport, tokenRetry)}
	src := newFetchSource(base.String(), clientID, secret, o.scopes, tokenHTTP)
	p := &Panel{base: base, plain: o.transport, tokens: &tokenCache{src: src, early: o.refreshBefore, now: time.Now}}
	p.http = &http.Client{Transport: NewRetryTransport(&oauth2.Transport{Source: p.tokens, Base: o.transport}, o.retry)}
	gopts := []ClientOption{WithHTTPClient(p.http)}
	for _, e := range o.editors {
		gopts = append(gopts, WithRequestEditorFn(e))
	}
	p.ClientWithResponses, err = NewClientWithResponses(base.String(), gopts...)
	if err != nil {
		return nil, fmt.Errorf("api: client: %w", err)
	}
	return p, nil
}

// Token returns the current access token, fetching or refreshing it when needed.
func (p *Panel) Token() (*oauth2.Token, error) {
	t, err := p.tokens.Token()
	if err != nil {
		return nil, fmt.Errorf("api: token: %w", err)
	}
	return t, nil
}

// HTTPClient is the client the generated calls use (bearer token and retries), for requests
// the generated client does not cover.
func (p *Panel) HTTPClient() *http.Client { return p.http }

// URL is the panel's base URL.
func (p *Panel) URL() string { return p.base.String() }

// Ptr returns a pointer to v, for the optional fields and parameters of the generated types.
func Ptr[T any](v T) *T { return &v }
