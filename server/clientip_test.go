package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestClientIP: X-Forwarded-For counts only from a trusted peer, and then only up to the
// right-most untrusted hop; gin's ClientIP, configured the way buildEngine does, agrees.
func TestClientIP(t *testing.T) {
	trusted := []string{"127.0.0.1", "10.0.0.0/8", "::1/128", "::ffff:192.168.1.0/120"}
	cases := []struct {
		name, trusted, peer, xff, want string
	}{
		{"no proxies configured", "", "203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},
		{"loopback not trusted by default", "", "127.0.0.1:5000", "198.51.100.1", "127.0.0.1"},
		{"untrusted peer", "yes", "203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},
		{"trusted peer without header", "yes", "127.0.0.1:5000", "", "127.0.0.1"},
		{"trusted peer", "yes", "127.0.0.1:5000", "198.51.100.1", "198.51.100.1"},
		{"spoofed left part ignored", "yes", "127.0.0.1:5000", "1.1.1.1, 198.51.100.1", "198.51.100.1"},
		{"trusted hops skipped", "yes", "10.1.2.3:5000", "1.1.1.1, 198.51.100.1, 10.9.9.9, 127.0.0.1", "198.51.100.1"},
		{"all hops trusted: left-most", "yes", "127.0.0.1:5000", "10.0.0.1, 10.0.0.2", "10.0.0.1"},
		{"malformed hop: the peer", "yes", "127.0.0.1:5000", "198.51.100.1, bogus", "127.0.0.1"},
		{"IPv6 peer", "yes", "[::1]:5000", "2001:db8::1", "2001:db8::1"},
		{"IPv6 untrusted peer", "yes", "[2001:db8::2]:5000", "198.51.100.1", "2001:db8::2"},
		{"mapped prefix", "yes", "192.168.1.9:5000", "198.51.100.1", "198.51.100.1"},
		{"outside mapped prefix", "yes", "192.168.2.9:5000", "198.51.100.1", "192.168.2.9"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var list []string
			if tc.trusted != "" {
				list = trusted
			}
			ps, err := parseProxies(list)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.peer
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := ps.clientIP(r); got != tc.want {
				t.Errorf("clientIP = %s, want %s", got, tc.want)
			}
			e := gin.New()
			e.RemoteIPHeaders = []string{"X-Forwarded-For"}
			if err := e.SetTrustedProxies(ps.strings()); err != nil {
				t.Fatal(err)
			}
			c := gin.CreateTestContextOnly(httptest.NewRecorder(), e)
			c.Request = r
			if got := c.ClientIP(); got != tc.want {
				t.Errorf("gin ClientIP = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestClientIPJoinsHeaders: a client's own X-Forwarded-For line before the one a proxy adds
// is still the untrusted left part (the header lines form one list).
func TestClientIPJoinsHeaders(t *testing.T) {
	ps, err := parseProxies([]string{"127.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "127.0.0.1:4000"
	r.Header.Add("X-Forwarded-For", "1.1.1.1")
	r.Header.Add("X-Forwarded-For", "198.51.100.4")
	if got := ps.clientIP(r); got != "198.51.100.4" {
		t.Errorf("clientIP = %s, want 198.51.100.4", got)
	}
}

func TestParseProxies(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "not-an-ip", "10.0.0.1/", "::1/129"} {
		if _, err := parseProxies([]string{bad}); err == nil {
			t.Errorf("parseProxies(%q) accepted", bad)
		}
	}
	ps, err := parseProxies([]string{" 10.1.2.3/8 ", "", "::ffff:10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ps.strings(); len(got) != 2 || got[0] != "10.0.0.0/8" || got[1] != "10.0.0.1/32" {
		t.Errorf("parsed = %v", got)
	}
}
