package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon/sftp"
	"github.com/skypanel/skypanel/server/store"
)

func TestSplitSFTPUsername(t *testing.T) {
	cases := []struct{ in, user, server string }{
		{"admin.ABC12345", "admin", "ABC12345"},
		{"first.last.SRV_1", "first.last", "SRV_1"},
		{"noserver", "", ""},
		{"trailing.", "", ""},
		{".SRV", "", ""},
	}
	for _, c := range cases {
		u, s, ok := splitSFTPUsername(c.in)
		if u != c.user || s != c.server || ok != (c.user != "") {
			t.Errorf("split(%q) = %q, %q, %v", c.in, u, s, ok)
		}
	}
}

// TestLockKey: one pair per panel username (any case, any server suffix) and client; IPv6
// clients per /64.
func TestLockKey(t *testing.T) {
	same := [][2][2]string{
		{{"Admin.S1", "192.0.2.1"}, {"admin.S2", "192.0.2.1"}},
		{{"admin", "192.0.2.1"}, {"admin.X", "::ffff:192.0.2.1"}},
		{{"a.S", "2001:db8:1:2::1"}, {"a.S", "2001:db8:1:2:ffff::9"}},
		{{"a.S", "fe80::1%eth0"}, {"a.S", "fe80::2"}},
	}
	for _, c := range same {
		if x, y := lockKey(c[0][0], c[0][1]), lockKey(c[1][0], c[1][1]); x != y {
			t.Errorf("%v and %v: keys %q, %q differ", c[0], c[1], x, y)
		}
	}
	differ := [][2][2]string{
		{{"admin.S", "192.0.2.1"}, {"admin.S", "192.0.2.2"}},
		{{"admin.S", "192.0.2.1"}, {"other.S", "192.0.2.1"}},
		{{"a.S", "2001:db8:1:2::1"}, {"a.S", "2001:db8:1:3::1"}},
	}
	for _, c := range differ {
		if lockKey(c[0][0], c[0][1]) == lockKey(c[1][0], c[1][1]) {
			t.Errorf("%v and %v share a key", c[0], c[1])
		}
	}
}

// sftpFixture is an App on a real SQLite store with one user (password secret, view scope),
// one node and the user's server on it.
func sftpFixture(tb testing.TB, log *slog.Logger, secret string) (a *App, nodeID int, login sftp.Login) {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, tb.TempDir(), log)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	hash, err := store.HashPassword(secret)
	if err != nil {
		tb.Fatal(err)
	}
	u, err := st.Client.User.Create().SetUsername("alice").SetEmail("a@example.com").SetPasswordHash(hash).
		SetScopes([]string{"server.files.view"}).Save(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	n := st.Client.Node.Create().SetName("n").SaveX(ctx)
	s := st.Client.Server.Create().SetName("s").SetOwnerID(u.ID).SetNodeID(n.ID).SetPort(25565).SaveX(ctx)
	if a, err = New(ctx, Deps{Config: Default(), Logger: log, Store: st}); err != nil {
		tb.Fatal(err)
	}
	return a, n.ID, sftp.Login{Username: "alice." + s.ID, Password: secret, RemoteIP: "192.0.2.9"}
}

// TestSFTPAuditLog: every attempt is one sftp.audit record with its outcome; the password
// never reaches the log.
func TestSFTPAuditLog(t *testing.T) {
	ctx := t.Context()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	const secret = "Audit-secret-42"
	a, nodeID, login := sftpFixture(t, log, secret)
	buf.Reset()
	if _, err := a.sftpAuthenticate(ctx, nodeID, login); err != nil {
		t.Fatalf("login: %v", err)
	}
	wrong := login
	wrong.Password = "Wrong-secret-43"
	for range 5 {
		if _, err := a.sftpAuthenticate(ctx, nodeID, wrong); !errors.Is(err, sftp.ErrDenied) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	if _, err := a.sftpAuthenticate(ctx, nodeID, login); !errors.Is(err, sftp.ErrLocked) {
		t.Fatalf("locked login: %v", err)
	}
	if strings.Contains(buf.String(), secret) || strings.Contains(buf.String(), wrong.Password) {
		t.Fatalf("a password reached the log:\n%s", buf.String())
	}
	var outcomes []string
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["component"] != "sftp.audit" {
			continue
		}
		if rec["username"] != login.Username || rec["ip"] != login.RemoteIP || rec["method"] != "password" ||
			rec["node"] != float64(nodeID) {
			t.Errorf("audit record %v lacks the attempt's details", rec)
		}
		outcomes = append(outcomes, rec["outcome"].(string))
	}
	want := "granted denied denied denied denied denied locked"
	if got := strings.Join(outcomes, " "); got != want {
		t.Fatalf("audit outcomes %q, want %q", got, want)
	}
}

// BenchmarkSFTPAuth: what one login decision costs the panel (argon2id dominates password
// logins; an unknown user costs the same through the dummy hash).
func BenchmarkSFTPAuth(b *testing.B) {
	a, nodeID, login := sftpFixture(b, slog.New(slog.DiscardHandler), "Bench-secret-42")
	ctx := context.Background()
	unknown := login
	unknown.Username = "nobody" + login.Username[strings.IndexByte(login.Username, '.'):]
	for _, c := range []struct {
		name string
		l    sftp.Login
		want error
	}{{"password", login, nil}, {"unknown-user", unknown, sftp.ErrDenied}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				c.l.RemoteIP = "10.1." + strconv.Itoa(i/250%250) + "." + strconv.Itoa(i%250) // no lockout
				if _, err := a.sftpAuthenticate(ctx, nodeID, c.l); !errors.Is(err, c.want) {
					b.Fatalf("%s: %v", c.name, err)
				}
			}
		})
	}
}

// TestSFTPLockoutConcurrent: wrong passwords sent all at once for one user and address are
// decided one at a time, so that together they make no more guesses than the lockout allows.
func TestSFTPLockoutConcurrent(t *testing.T) {
	ctx := t.Context()
	a, nodeID, login := sftpFixture(t, slog.New(slog.DiscardHandler), "Right-secret-42")
	login.Password = "Wrong-secret-43"
	const attempts = 10
	errs := make(chan error, attempts)
	start := make(chan struct{})
	for range attempts {
		go func() {
			<-start
			_, err := a.sftpAuthenticate(ctx, nodeID, login)
			errs <- err
		}()
	}
	close(start)
	denied, locked := 0, 0
	for range attempts {
		switch err := <-errs; {
		case errors.Is(err, sftp.ErrDenied):
			denied++
		case errors.Is(err, sftp.ErrLocked):
			locked++
		default:
			t.Errorf("attempt: %v", err)
		}
	}
	if denied != sftpLockFailures || locked != attempts-sftpLockFailures {
		t.Fatalf("%d guesses decided and %d locked out, want %d and %d",
			denied, locked, sftpLockFailures, attempts-sftpLockFailures)
	}
}

// TestSFTPLockedRetryAfter: the lockout's 429 says whole seconds, rounded up, at least one.
func TestSFTPLockedRetryAfter(t *testing.T) {
	for _, c := range []struct {
		in   time.Duration
		want int
	}{{0, 1}, {time.Millisecond, 1}, {time.Second, 1}, {time.Second + 1, 2}, {59500 * time.Millisecond, 60}} {
		r := sftpLocked(c.in)
		if got := *r.Headers.RetryAfter; got != c.want || (*r.Body.Error.Metadata)["retryAfter"] != c.want {
			t.Errorf("%v: Retry-After %d, metadata %v; want %d", c.in, got, *r.Body.Error.Metadata, c.want)
		}
	}
}
