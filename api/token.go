package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenCache is the Panel's token source: it keeps one token and fetches a new one when the kept
// one is within early of its expiry (oauth2.ReuseTokenSourceWithExpiry does the same but cannot
// be asked for a token that outlives a given time, which the socket's token_expiring needs).
type tokenCache struct {
	src   oauth2.TokenSource
	early time.Duration
	now   func() time.Time

	mu  sync.Mutex
	tok *oauth2.Token
}

// Token returns the kept token, or a new one when it is missing or expires within early.
func (c *tokenCache) Token() (*oauth2.Token, error) {
	return c.outliving(c.early)
}

// outliving returns a token that is still valid d from now: the kept one when it is, else a
// newly fetched one (which may itself expire sooner when the panel issues short tokens).
func (c *tokenCache) outliving(d time.Duration) (*oauth2.Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != nil && (c.tok.Expiry.IsZero() || c.now().Add(d).Before(c.tok.Expiry)) {
		return c.tok, nil
	}
	t, err := c.src.Token()
	if err != nil {
		return nil, err
	}
	c.tok = t
	return t, nil
}

// fetchSource fetches a new token on every call (tokenCache keeps it).
type fetchSource struct {
	cfg *clientcredentials.Config
	ctx context.Context
}

func newFetchSource(base, clientID, secret string, scopes []string, client *http.Client) *fetchSource {
	cfg := &clientcredentials.Config{ClientID: clientID, ClientSecret: secret,
		TokenURL: base + "/oauth2/token", Scopes: scopes, AuthStyle: oauth2.AuthStyleInParams}
	return &fetchSource{cfg: cfg, ctx: context.WithValue(context.Background(), oauth2.HTTPClient, client)}
}

func (s *fetchSource) Token() (*oauth2.Token, error) {
	t, err := s.cfg.Token(s.ctx)
	if err != nil {
		return nil, &tokenFetchError{err: tokenError(err)}
	}
	return t, nil
}

// tokenFetchError is a failure to obtain a token. Its request was already retried by the token
// endpoint's own client (429, 503, transport errors), so the retry transport of the calls does
// not retry it again (a refusal such as invalid_client would only be asked again and again).
type tokenFetchError struct{ err error }

func (e *tokenFetchError) Error() string { return e.err.Error() }
func (e *tokenFetchError) Unwrap() error { return e.err }

// tokenError maps an error response of the token endpoint to an *APIError: the panel's envelope
// when the body is one, otherwise the RFC 6749 error (its code in Metadata["error"]).
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		return fmt.Errorf("api: token: %w", err)
	}
	var e *APIError
	if !errors.As(ErrorFromResponse(re.Response, re.Body), &e) {
		return fmt.Errorf("api: token: %w", err)
	}
	if e.Code == "" {
		e.Code, e.Msg = ErrorCodeErrUnauthorized, re.ErrorDescription
		if e.Status == http.StatusTooManyRequests {
			e.Code = ErrorCodeErrRateLimited
		}
		if e.Msg == "" {
			e.Msg = re.ErrorCode
		}
		e.Metadata = map[string]any{"error": re.ErrorCode}
	}
	return e
}
