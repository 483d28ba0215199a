package panel

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/skypanel/skypanel/api"
)

// NodeScope is the scope of a node's deployment client.
const NodeScope = "node"

// minRefreshMargin is the least time before expiry a token is refreshed.
const minRefreshMargin = 10 * time.Second

// TokenSource gets and caches the node's access token (OAuth2 client credentials at
// POST /oauth2/token), refreshing it once 80 % of its lifetime has passed, so a token in use
// never expires mid-request. Safe for concurrent use.
type TokenSource struct {
	api    *api.ClientWithResponses
	id     string
	secret string
	now    func() time.Time

	mu        sync.Mutex
	token     string
	refreshAt time.Time
}

// Token returns a valid access token, fetching a new one when the cached one is due.
func (ts *TokenSource) Token(ctx context.Context) (string, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.token != "" && ts.now().Before(ts.refreshAt) {
		return ts.token, nil
	}
	scope := NodeScope
	resp, err := ts.api.Oauth2TokenWithFormdataBodyWithResponse(ctx, api.OAuth2TokenRequest{
		GrantType: "client_credentials", ClientId: &ts.id, ClientSecret: &ts.secret, Scope: &scope})
	if err != nil {
		return "", fmt.Errorf("%w: token: %w", ErrPanelUnavailable, err)
	}
	if resp.JSON200 == nil {
		return "", statusError("token", resp.StatusCode(), resp.Body)
	}
	issued := ts.now()
	life := time.Duration(resp.JSON200.ExpiresIn) * time.Second
	margin := max(life/5, minRefreshMargin)
	ts.token, ts.refreshAt = resp.JSON200.AccessToken, issued.Add(life-margin)
	return ts.token, nil
}

// Invalidate drops the cached token (the panel refused it: revoked, or the panel's data was
// reset); the next Token fetches a new one.
func (ts *TokenSource) Invalidate() {
	ts.mu.Lock()
	ts.token = ""
	ts.mu.Unlock()
}

// statusError classifies a panel answer that is not a success.
func statusError(op string, status int, body []byte) error {
	const maxBody = 512
	if len(body) > maxBody {
		body = body[:maxBody]
	}
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		return fmt.Errorf("%w: %s: %d %s", ErrPanelUnavailable, op, status, body)
	case status == http.StatusBadRequest || status == http.StatusUnauthorized ||
		status == http.StatusForbidden || status == http.StatusNotFound:
		return fmt.Errorf("%w: %s: %d %s", ErrCredentials, op, status, body)
	}
	return fmt.Errorf("%w: %s: unexpected %d %s", ErrPanelUnavailable, op, status, body)
}
