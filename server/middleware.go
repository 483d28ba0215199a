package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/skypanel/skypanel/apispec"
	"github.com/skypanel/skypanel/server/oauth"
)

const (
	ctxRequestID = "skypanel.requestID"
	apiVersion   = "v1"
	// vendorJSON is the documented versioned media type; it is treated as application/json.
	vendorJSON = "application/vnd.aether.v1+json"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID    int
	NodeID    int // set for a node's deployment client
	ClientID  string
	Admin     bool            // effective admin (admin scope on an admin user)
	Scopes    []string        // granted scopes of the token
	Effective map[string]bool // Scopes expanded by x-scope-implies
	ExpiresAt time.Time
}

// Has reports whether the principal holds a scope (after implication).
func (p *Principal) Has(scope string) bool { return p != nil && (p.Admin || p.Effective[scope]) }

type principalKey struct{}

// PrincipalFrom returns the request's principal (nil for public operations).
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// Authenticator validates bearer tokens.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (Principal, error)
}

// basics: request id, X-API-Version on every response, Accept normalisation, panic recovery.
func (a *App) basics() gin.HandlerFunc {
	return func(c *gin.Context) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		rid := hex.EncodeToString(b[:])
		c.Set(ctxRequestID, rid)
		h := c.Writer.Header()
		h.Set("X-API-Version", apiVersion)
		h.Set("X-Request-Id", rid)
		if acc := c.Request.Header.Get("Accept"); strings.Contains(strings.ToLower(acc), vendorJSON) {
			c.Request.Header.Set("Accept", "application/json")
		}
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				a.writeError(c, errInternal(errors.New("panic: "+toString(r))))
			}
		}()
		c.Next()
	}
}

func toString(v any) string {
	if e, ok := v.(error); ok {
		return e.Error()
	}
	if s, ok := v.(string); ok {
		return s
	}
	return "unknown panic"
}

// guard is the spec-driven middleware of every operation, in this order: the body's media type
// (from the headers only), rate limit, authentication and scope check, the bounded read of a
// JSON or form body, then request validation and x-admin-only fields. Nothing reads the body before it is known to be
// wanted and capped; a request refused before that closes its connection.
func (a *App) guard() gin.HandlerFunc {
	return func(c *gin.Context) {
		op := a.contract.Lookup(c.Request.Method, c.FullPath())
		if op == nil {
			c.Next() // NoRoute/NoMethod answer without reading the body
			return
		}
		if emptySegment(c.Params) {
			a.noRoute(c) // "/api/servers//status" names no route of the spec
			c.Abort()
			return
		}
		if op.NoStore { // the response carries a secret
			c.Header("Cache-Control", "no-store")
		}
		kind, err := a.validator.Admit(c.Request, op.Operation)
		if err == nil {
			err = a.authorize(c, op)
		}
		if err == nil && kind == apispec.BodyBuffered {
			err = a.validator.Buffer(c.Writer, c.Request, a.bodyLimit(op))
		}
		if err != nil {
			refuseUnread(c)
			a.writeError(c, err)
			return
		}
		// /oauth2/* answer malformed requests in RFC 6749/7662 form themselves.
		if err := a.validate(c, op, kind == apispec.BodyStreamed); err != nil && !strings.HasPrefix(op.Path, "/oauth2/") {
			a.writeError(c, err)
			return
		}
		if err := a.checkAdminOnly(c, op); err != nil { // adminonly.go: x-admin-only fields
			a.writeError(c, err)
			return
		}
		if op.OnServer { // serverByID refuses a suspended server by the operation's mark (suspend.go)
			c.Request = c.Request.WithContext(withSuspendedMode(c.Request.Context(), op.Suspended))
		}
		c.Next()
	}
}

// authorize rate-limits the caller and enforces the operation's security requirement.
func (a *App) authorize(c *gin.Context, op *Operation) error {
	now := time.Now()
	token, hasToken := bearer(c.Request)
	var p *Principal
	var authErr error
	if hasToken && !op.Public {
		got, err := a.auth.Authenticate(c.Request.Context(), token)
		if err != nil {
			authErr = errUnauthorized("the access token is invalid or expired; get a new one at /oauth2/token")
		} else {
			got.Effective = a.contract.Expand(got.Scopes)
			p = &got
		}
	}
	// A node's own calls (check-ins, SFTP logins and session checks) grow with its sessions,
	// not with API use: not counted against its client (sftpAuth has its own lockout).
	if !op.NoRateLimit && (p == nil || p.NodeID == 0 || !nodeOperation(op)) {
		var d decision
		kind := limitClient
		if p != nil {
			d = a.clientLimit.take("client:" + p.ClientID)
		} else {
			kind, d = limitIP, a.ipLimit.take("ip:"+a.proxies.clientIP(c.Request))
		}
		if err := d.apply(c, now); err != nil {
			a.metrics.rateLimited(kind)
			return err
		}
	}
	if op.Public {
		return nil
	}
	if authErr != nil {
		return authErr
	}
	if p == nil {
		if op.WebSocket {
			return nil // the socket authenticates with its first message
		}
		return errUnauthorized("missing bearer token: send Authorization: Bearer <token>")
	}
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), principalKey{}, p))
	if ok, need := op.Allowed(p.Effective); !ok && !p.Admin {
		return errPermissionDenied(need)
	}
	return nil
}

// nodeOperation reports whether the operation is for nodes only (security: the node scope).
func nodeOperation(op *Operation) bool {
	return slices.ContainsFunc(op.Scopes, func(set []string) bool { return slices.Contains(set, oauth.ScopeNode) })
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", h != ""
}

// emptySegment reports whether a path parameter other than the trailing file path is empty:
// gin matches "/api/servers//status" to "/api/servers/:id/status", the spec does not.
func emptySegment(params gin.Params) bool {
	for _, p := range params {
		if p.Value == "" && p.Key != "path" {
			return true
		}
	}
	return false
}

// noRoute and noMethod answer in the envelope, without reading the body.
func (a *App) noRoute(c *gin.Context) {
	refuseUnread(c)
	a.writeError(c, newAPIError(http.StatusNotFound, CodeNotFound, "no such route: "+shortPath(c.Request.URL.Path), nil))
}

func (a *App) noMethod(c *gin.Context) {
	refuseUnread(c)
	a.writeError(c, newAPIError(http.StatusMethodNotAllowed, CodeMethodNotAllowed,
		"method "+c.Request.Method+" is not allowed on "+shortPath(c.Request.URL.Path), nil))
}

// maxPathInMsg bounds the path quoted in an error message (the spec caps msg at 1024 bytes).
const maxPathInMsg = 256

// shortPath returns p, cut at a rune boundary to maxPathInMsg bytes with "…" when longer.
func shortPath(p string) string {
	if len(p) <= maxPathInMsg {
		return p
	}
	cut := maxPathInMsg
	for cut > 0 && !utf8.RuneStart(p[cut]) {
		cut--
	}
	return p[:cut] + "…"
}

var _ = slog.Default
