package panel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/daemon/sftp"
)

// DefaultLockout is how long a 429 without a usable Retry-After locks a login out.
const DefaultLockout = time.Minute

// SFTPAuthenticator is the remote node's sftp.Authenticator: it asks the panel over HTTP
// (POST /api/nodes/{id}/sftp/auth and /check) with the node's deployment token. 403 is
// sftp.ErrDenied, 429 a *sftp.LockedError; anything else (panel down, 5xx, the node's own
// credentials refused) is an error wrapping ErrPanelUnavailable or ErrCredentials.
type SFTPAuthenticator struct{ c *Client }

var _ sftp.Authenticator = (*SFTPAuthenticator)(nil)

// SFTP returns the node's SFTP Authenticator over c.
func (c *Client) SFTP() *SFTPAuthenticator { return &SFTPAuthenticator{c: c} }

// Authenticate asks the panel whether the login l may open (sftpAuth).
func (a *SFTPAuthenticator) Authenticate(ctx context.Context, l sftp.Login) (sftp.Grant, error) {
	body := api.SftpAuthRequest{Username: l.Username, RemoteIp: l.RemoteIP}
	if l.PublicKey != "" {
		body.PublicKey = &l.PublicKey
	} else {
		body.Password = &l.Password
	}
	return a.ask(ctx, "sftp auth", func(tok string) (*api.SftpGrant, *http.Response, []byte, error) {
		resp, err := a.c.api.SftpAuthWithResponse(ctx, api.NodeId(a.c.nodeID), body, bearer(tok))
		if err != nil {
			return nil, nil, nil, err
		}
		return resp.JSON200, resp.HTTPResponse, resp.Body, nil
	})
}

// Check asks the panel whether the session of g may stay open (sftpCheck).
func (a *SFTPAuthenticator) Check(ctx context.Context, g sftp.Grant) (sftp.Grant, error) {
	body := api.SftpCheckRequest{UserId: g.UserID, ServerId: g.ServerID}
	if g.KeyID > 0 {
		body.KeyId = &g.KeyID
	}
	return a.ask(ctx, "sftp check", func(tok string) (*api.SftpGrant, *http.Response, []byte, error) {
		resp, err := a.c.api.SftpCheckWithResponse(ctx, api.NodeId(a.c.nodeID), body, bearer(tok))
		if err != nil {
			return nil, nil, nil, err
		}
		return resp.JSON200, resp.HTTPResponse, resp.Body, nil
	})
}

// sftpCall sends one request with the access token tok.
type sftpCall func(tok string) (*api.SftpGrant, *http.Response, []byte, error)

// ask runs call with the node's token, once more with a new token when the panel refused it
// (401), and maps the answer.
func (a *SFTPAuthenticator) ask(ctx context.Context, op string, call sftpCall) (sftp.Grant, error) {
	g, err := a.askOnce(ctx, op, call)
	if errors.Is(err, errTokenRefused) {
		a.c.tokens.Invalidate()
		g, err = a.askOnce(ctx, op, call)
	}
	if errors.Is(err, errTokenRefused) {
		return sftp.Grant{}, fmt.Errorf("%w: %w", ErrCredentials, err)
	}
	return g, err
}

func (a *SFTPAuthenticator) askOnce(ctx context.Context, op string, call sftpCall) (sftp.Grant, error) {
	tok, err := a.c.tokens.Token(ctx)
	if err != nil {
		return sftp.Grant{}, err
	}
	grant, resp, raw, err := call(tok)
	if err != nil {
		return sftp.Grant{}, fmt.Errorf("%w: %s: %w", ErrPanelUnavailable, op, err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		if grant == nil {
			return sftp.Grant{}, statusError(op, resp.StatusCode, raw)
		}
		return grantOf(grant), nil
	case http.StatusForbidden:
		return sftp.Grant{}, sftp.ErrDenied
	case http.StatusTooManyRequests:
		return sftp.Grant{}, &sftp.LockedError{RetryAfter: retryAfter(resp.Header.Get("Retry-After"), a.c.opts.Now())}
	case http.StatusUnauthorized:
		return sftp.Grant{}, fmt.Errorf("%w: %s", errTokenRefused, op)
	}
	return sftp.Grant{}, statusError(op, resp.StatusCode, raw)
}

// grantOf converts the panel's answer.
func grantOf(g *api.SftpGrant) sftp.Grant {
	out := sftp.Grant{UserID: g.UserId, Username: g.Username, ServerID: g.ServerId, ReadOnly: g.ReadOnly}
	if g.KeyId != nil {
		out.KeyID = *g.KeyId
	}
	return out
}

// retryAfter reads a Retry-After header (seconds or an HTTP date); DefaultLockout when absent
// or unreadable.
func retryAfter(h string, now time.Time) time.Duration {
	if s, err := strconv.Atoi(h); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return DefaultLockout
}

// bearer sets the Authorization header.
func bearer(tok string) api.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
}
