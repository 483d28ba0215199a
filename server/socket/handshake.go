package socket

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/skypanel/skypanel/apispec"
)

// IsUpgrade reports whether the request asks for a WebSocket.
func IsUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") && headerHasToken(r.Header, "Upgrade", "websocket")
}

func headerHasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// CheckHandshake validates the opening handshake (RFC 6455 4.2.1) so that failures answer in
// the envelope instead of coder/websocket's plain text.
func CheckHandshake(r *http.Request) *apispec.Error {
	bad := func(field, msg string) *apispec.Error {
		return apispec.NewError(http.StatusBadRequest, CodeFieldInvalid, msg, map[string]any{"field": field})
	}
	switch {
	case !r.ProtoAtLeast(1, 1):
		return bad("protocol", "a WebSocket handshake needs HTTP/1.1")
	case !IsUpgrade(r):
		return bad("Upgrade", "this route only answers WebSocket upgrades (Connection: Upgrade, Upgrade: websocket)")
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return bad("Sec-WebSocket-Version", "only WebSocket version 13 is supported")
	}
	keys := r.Header.Values("Sec-WebSocket-Key")
	if len(keys) != 1 {
		return bad("Sec-WebSocket-Key", "exactly one Sec-WebSocket-Key header is required")
	}
	if k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(keys[0])); err != nil || len(k) != 16 {
		return bad("Sec-WebSocket-Key", "Sec-WebSocket-Key must be 16 bytes in base64")
	}
	return nil
}

// CheckOrigin allows requests without Origin (not from a browser), the panel's own host and
// the allowed patterns (see Options.AllowedOrigins).
func CheckOrigin(r *http.Request, allowed []string) *apispec.Error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	deny := apispec.NewError(http.StatusForbidden, CodePermissionDenied, "this origin may not open WebSockets on this panel",
		map[string]any{"origin": origin})
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return deny
	}
	if strings.EqualFold(u.Host, r.Host) {
		return nil
	}
	for _, pat := range allowed {
		target := u.Host
		if strings.Contains(pat, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if pat == "*" {
			return nil
		}
		if ok, err := path.Match(strings.ToLower(pat), strings.ToLower(target)); err == nil && ok {
			return nil
		}
	}
	return deny
}
