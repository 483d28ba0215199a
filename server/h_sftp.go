package server

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"time"

	"github.com/skypanel/skypanel/daemon/sftp"
	"github.com/skypanel/skypanel/gen"
)

// The node-facing SFTP operations: a node's SFTP server asks the panel to decide a login
// (sftpAuth) and re-checks its open sessions (sftpCheck). Only the node's own deployment
// client may ask for it; the decision is App.sftpAuthenticate / App.sftpCheck (sftp_auth.go).

// errSFTPDenied is the one answer for every refused login or session, whatever the reason
// (no oracle); metadata.scopes names what the user needs on the server, as for any 403.
func errSFTPDenied() *APIError {
	return newAPIError(http.StatusForbidden, CodePermissionDenied, "SFTP access denied",
		map[string]any{"scopes": []string{scopeFilesView}})
}

// ownNode returns the calling node's id when it is the path's node, else a 403.
func ownNode(ctx context.Context, id int64) (int, error) {
	p := PrincipalFrom(ctx)
	if p == nil || p.NodeID == 0 || int64(p.NodeID) != id {
		return 0, newAPIError(http.StatusForbidden, CodePermissionDenied,
			"only the node's own deployment client may ask for it", map[string]any{"nodeId": id})
	}
	return p.NodeID, nil
}

// toSftpGrant is a grant in the contract's form (keyId only for a key login).
func toSftpGrant(g sftp.Grant) gen.SftpGrant {
	out := gen.SftpGrant{UserId: g.UserID, Username: g.Username, ServerId: g.ServerID, ReadOnly: g.ReadOnly}
	if g.KeyID != 0 {
		out.KeyId = &g.KeyID
	}
	return out
}

// SftpAuth decides an SFTP login for the calling node.
func (h *Handlers) SftpAuth(ctx context.Context, req gen.SftpAuthRequestObject) (gen.SftpAuthResponseObject, error) {
	nodeID, err := ownNode(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	b := req.Body
	l := sftp.Login{Username: b.Username, RemoteIP: b.RemoteIp}
	if b.Password != nil {
		l.Password = *b.Password
	}
	if b.PublicKey != nil {
		l.PublicKey = *b.PublicKey
	}
	if (l.Password == "") == (l.PublicKey == "") {
		return nil, errFieldInvalid("password", "send exactly one of password and publicKey")
	}
	if _, err := netip.ParseAddr(l.RemoteIP); err != nil {
		return nil, errFieldInvalid("remoteIp", "remoteIp must be an IPv4 or IPv6 address")
	}
	g, err := h.a.sftpAuthenticate(ctx, nodeID, l)
	var locked *sftp.LockedError
	switch {
	case errors.As(err, &locked):
		return sftpLocked(locked.RetryAfter), nil
	case errors.Is(err, sftp.ErrDenied):
		return nil, errSFTPDenied()
	case err != nil:
		return nil, err
	}
	return gen.SftpAuth200JSONResponse{Body: toSftpGrant(g)}, nil
}

// sftpLocked is the 429 of a login locked out for retry: Retry-After and
// metadata.retryAfter in whole seconds, rounded up, at least 1.
func sftpLocked(retry time.Duration) gen.SftpAuth429JSONResponse {
	secs := max(int((retry+time.Second-1)/time.Second), 1)
	md := map[string]any{"retryAfter": secs}
	return gen.SftpAuth429JSONResponse{RateLimitedJSONResponse: gen.RateLimitedJSONResponse{
		Body: gen.Error{Error: gen.ErrorDetail{Code: CodeRateLimited,
			Msg: "too many failed SFTP logins for this user and address; retry after the time in Retry-After", Metadata: &md}},
		Headers: gen.RateLimitedResponseHeaders{RetryAfter: &secs}}}
}

// SftpCheck re-decides an open SFTP session of the calling node.
func (h *Handlers) SftpCheck(ctx context.Context, req gen.SftpCheckRequestObject) (gen.SftpCheckResponseObject, error) {
	nodeID, err := ownNode(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	in := sftp.Grant{UserID: req.Body.UserId, ServerID: req.Body.ServerId}
	if req.Body.KeyId != nil {
		in.KeyID = *req.Body.KeyId
	}
	g, err := h.a.sftpCheck(ctx, nodeID, in)
	switch {
	case errors.Is(err, sftp.ErrDenied):
		return nil, errSFTPDenied()
	case err != nil:
		return nil, err
	}
	return gen.SftpCheck200JSONResponse{Body: toSftpGrant(g)}, nil
}
