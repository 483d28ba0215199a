package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// proxies are the trusted reverse proxies (--trusted-proxy). A request's client address is
// its socket peer unless the peer is one of them; then it is the right-most address of
// X-Forwarded-For that is not itself a trusted proxy (the one the outermost trusted proxy
// saw). Everything left of it was written by the client and is never believed.
type proxies []netip.Prefix

// parseProxies parses CIDRs ("10.0.0.0/8", "::1/128") or single addresses ("127.0.0.1").
func parseProxies(list []string) (proxies, error) {
	var out proxies
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", s, err)
			}
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", s, err)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// strings returns the prefixes in gin's SetTrustedProxies form (nil: trust no proxy).
func (ps proxies) strings() []string {
	if len(ps) == 0 {
		return nil
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func (ps proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the address per-IP rate limits count: the peer, or behind trusted proxies the
// right-most untrusted X-Forwarded-For entry (the left-most when all are trusted). A
// malformed entry stops the walk and the peer counts, as in gin's ClientIP.
func (ps proxies) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !ps.trusted(peer) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		s := strings.TrimSpace(hops[i])
		a, err := netip.ParseAddr(s)
		if err != nil {
			return host
		}
		if i == 0 || !ps.trusted(a) {
			return a.Unmap().String()
		}
	}
	return host
}
