package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ory/fosite"

	"github.com/skypanel/skypanel/server/store"
)

// introspection is the RFC 7662 response. scope is what the token may still do (its
// granted scopes that the client and its user still hold); admin and node_id are extensions.
type introspection struct {
	Active    bool   `json:"active"`
	Scope     string `json:"scope,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	Sub       string `json:"sub,omitempty"`
	Exp       int64  `json:"exp,omitempty"`
	TokenType string `json:"token_type,omitempty"`
	Admin     bool   `json:"admin,omitempty"`
	NodeID    int    `json:"node_id,omitempty"`
}

// IntrospectHandler serves POST /oauth2/introspect (RFC 7662, form parameter token). The
// caller authenticates with client credentials (HTTP Basic or client_id/client_secret in
// the body) or a bearer token (bad or missing credentials: 401 invalid_client). Node
// deployment clients and effective administrators may introspect any token; any other client
// only its own tokens — a foreign token answers {"active": false}, like an unknown one.
func (p *Provider) IntrospectHandler() http.Handler { return http.HandlerFunc(p.serveIntrospect) }

func (p *Provider) serveIntrospect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.Method != http.MethodPost {
		p.writeError(ctx, w, r, nil, fosite.ErrInvalidRequest.WithHintf("HTTP method is '%s', expected 'POST'.", r.Method))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.writeError(ctx, w, r, nil, fosite.ErrInvalidRequest.WithHint("Unable to parse the form body."))
		return
	}
	caller, privileged, err := p.authorizeIntrospection(ctx, r)
	if err != nil {
		p.writeError(ctx, w, r, nil, err)
		return
	}
	token := r.PostForm.Get("token")
	if token == "" {
		p.writeError(ctx, w, r, nil, fosite.ErrInvalidRequest.WithHint("The 'token' parameter is required."))
		return
	}
	pr, err := p.Authenticate(ctx, token)
	if errors.Is(err, ErrInvalidToken) || errors.Is(err, ErrExpiredToken) || (err == nil && !privileged && pr.ClientID != caller) {
		writeJSON(w, http.StatusOK, introspection{Active: false})
		return
	} else if err != nil {
		p.writeError(ctx, w, r, nil, &storageError{err})
		return
	}
	out := introspection{
		Active:    true,
		Scope:     strings.Join(pr.Scopes, " "),
		ClientID:  pr.ClientID,
		Exp:       pr.ExpiresAt.Unix(),
		TokenType: "Bearer",
		Admin:     pr.Admin,
		NodeID:    pr.NodeID,
	}
	if pr.UserID != 0 {
		out.Sub = strconv.Itoa(pr.UserID)
	}
	writeJSON(w, http.StatusOK, out)
}

// authorizeIntrospection authenticates the caller; privileged callers (node clients and
// effective administrators) may introspect any token, others only their own.
func (p *Provider) authorizeIntrospection(ctx context.Context, r *http.Request) (caller string, privileged bool, err error) {
	if auth := r.Header.Get("Authorization"); len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") {
		pr, err := p.Authenticate(ctx, auth[7:])
		if err != nil {
			if errors.Is(err, ErrInvalidToken) || errors.Is(err, ErrExpiredToken) {
				return "", false, fosite.ErrRequestUnauthorized.WithHint("The bearer token is invalid or expired.")
			}
			return "", false, &storageError{err}
		}
		return pr.ClientID, pr.Admin || pr.NodeID != 0, nil
	}
	id, secret, err := clientCredentials(r)
	if err != nil {
		return "", false, err
	}
	c, err := p.storage.loadClient(ctx, id)
	if err != nil {
		if errors.As(err, new(*storageError)) {
			return "", false, err
		}
		return "", false, fosite.ErrInvalidClient.WithHint("Client authentication failed.")
	}
	if !store.VerifySecret(p.secretKey, c.SecretHash, secret) {
		return "", false, fosite.ErrInvalidClient.WithHint("Client authentication failed.")
	}
	fc := newClient(c)
	return id, fc.nodeID != 0 || (fc.userAdmin && slices.Contains(fc.Scopes, ScopeAdmin)), nil
}

// clientCredentials reads client_id/client_secret from HTTP Basic (form-urlencoded per
// RFC 6749 §2.3.1) or from the form body.
func clientCredentials(r *http.Request) (id, secret string, err error) {
	if bid, bsecret, ok := r.BasicAuth(); ok {
		id, err1 := url.QueryUnescape(bid)
		secret, err2 := url.QueryUnescape(bsecret)
		if err1 != nil || err2 != nil {
			return "", "", fosite.ErrInvalidClient.WithHint("Malformed HTTP Basic credentials.")
		}
		return id, secret, nil
	}
	id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if id == "" || secret == "" {
		return "", "", fosite.ErrInvalidClient.WithHint("Client authentication is required.")
	}
	return id, secret, nil
}
