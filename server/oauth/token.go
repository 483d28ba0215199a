package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/ory/fosite"
)

// maxFormBytes bounds the body of the token and introspection endpoints.
const maxFormBytes = 64 << 10

// tokenResponse is the documented token response (field order as in the documentation).
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
}

// TokenHandler serves POST /oauth2/token: grant_type=client_credentials with the client
// credentials in the form body or HTTP Basic, an optional space-separated scope to narrow
// the grant (all the client's scopes when absent). Errors follow RFC 6749 §5.2.
func (p *Provider) TokenHandler() http.Handler { return http.HandlerFunc(p.serveToken) }

func (p *Provider) serveToken(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		// fosite answers invalid_request for an unknown grant type; RFC 6749 wants
		// unsupported_grant_type. A parse error is left to fosite (invalid_request).
		if err := r.ParseForm(); err == nil {
			if gt := r.PostForm.Get("grant_type"); gt != "" && gt != "client_credentials" {
				p.writeError(ctx, w, r, nil, fosite.ErrUnsupportedGrantType.
					WithHintf("Only grant_type 'client_credentials' is supported, got '%s'.", gt))
				return
			}
		}
	}
	session := &fosite.DefaultSession{}
	ar, err := p.fosite.NewAccessRequest(ctx, r, session)
	if err != nil {
		p.writeError(ctx, w, r, ar, err)
		return
	}
	c, ok := ar.GetClient().(*client)
	if !ok {
		p.writeError(ctx, w, r, ar, fosite.ErrServerError.WithDebug("unexpected client type"))
		return
	}
	// fosite has checked each requested scope against the client's (exact match).
	scopes := ar.GetRequestedScopes()
	if len(scopes) == 0 {
		scopes = c.GetScopes()
	}
	for _, s := range scopes {
		ar.GrantScope(s)
	}
	session.Subject = subjectOf(c)
	resp, err := p.fosite.NewAccessResponse(ctx, ar)
	if err != nil {
		p.writeError(ctx, w, r, ar, err)
		return
	}
	p.touchClient(ctx, c.ID)
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken: resp.GetAccessToken(),
		TokenType:   "Bearer",
		ExpiresIn:   int(p.ttl / time.Second),
		Scope:       strings.Join(ar.GetGrantedScopes(), " "),
	})
}

// writeError writes an RFC 6749 error ({error, error_description}); database failures
// become a logged server_error, and a failed Basic authentication gets WWW-Authenticate.
func (p *Provider) writeError(ctx context.Context, w http.ResponseWriter, r *http.Request, ar fosite.AccessRequester, err error) {
	rfc := fosite.ErrorToRFC6749Error(err)
	if errors.As(err, new(*storageError)) || rfc.CodeField >= http.StatusInternalServerError {
		p.log.ErrorContext(ctx, "oauth2 endpoint failed", "path", r.URL.Path, "err", err, "debug", rfc.DebugField)
		err = fosite.ErrServerError
	} else if rfc.CodeField == http.StatusUnauthorized {
		if _, _, basic := r.BasicAuth(); basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="skypanel"`)
		}
	}
	p.fosite.WriteAccessError(ctx, w, ar, err)
}

// touchClient records last_used_at, at most once a minute per client.
func (p *Provider) touchClient(ctx context.Context, id string) {
	now := time.Now().UTC()
	if v, ok := p.lastUsed.Load(id); ok && now.Sub(v.(time.Time)) < time.Minute {
		return
	}
	p.lastUsed.Store(id, now)
	if err := p.storage.touch(ctx, id, now); err != nil {
		p.log.WarnContext(ctx, "record client use", "client_id", id, "err", err)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
