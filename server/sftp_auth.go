package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/skypanel/skypanel/daemon/sftp"
	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/sshkey"
	"github.com/skypanel/skypanel/ent/user"
	"github.com/skypanel/skypanel/server/oauth"
	"github.com/skypanel/skypanel/server/store"
)

// The SFTP login decision, shared by the sftpAuth/sftpCheck handlers (remote nodes) and the
// in-process Authenticator of the embedded node (sftp_local.go): the SFTP username is
// "<panel username>.<server id>"; the secret is the user's password or one of its SSH keys;
// the grant needs the user to own the server (or be an administrator), the server to be on
// the asking node and not suspended, and server.files.view (server.files.edit: read-write).

const (
	scopeFilesView = "server.files.view"
	scopeFilesEdit = "server.files.edit"
)

// sftpState is the panel's SFTP login state: the lockout and the audit log.
type sftpState struct {
	locks *sftpLockout
	audit *slog.Logger
	keyMu sync.Mutex // serialises SSH key creation (the per-user cap)
}

// newSFTPState is the state of a new App: an empty lockout, the audit log under log.
func newSFTPState(log *slog.Logger) *sftpState {
	return &sftpState{locks: newSFTPLockout(nil), audit: log.With("component", "sftp.audit")}
}

// splitSFTPUsername splits "<panel username>.<server id>" at the last dot.
func splitSFTPUsername(s string) (username, serverID string, ok bool) {
	i := strings.LastIndexByte(s, '.')
	if i <= 0 || i == len(s)-1 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// lockKey is the lockout's pair: the lower-cased panel username (whatever server id follows
// it, so that changing the suffix does not buy more guesses) and the client's address in
// canonical form (an IPv4-mapped address as IPv4; an IPv6 address as its /64, which one
// client can rotate through).
func lockKey(login, ip string) string {
	name, _, ok := splitSFTPUsername(login)
	if !ok {
		name = login
	}
	if addr, err := netip.ParseAddr(ip); err == nil {
		addr = addr.Unmap().WithZone("")
		ip = addr.String()
		if addr.Is6() {
			ip = netip.PrefixFrom(addr, 64).Masked().String()
		}
	}
	return strings.ToLower(name) + "\x00" + ip
}

var (
	dummyOnce sync.Once
	dummyHash string
)

// dummyPasswordHash is an argon2id hash of nothing anyone types: checking a password against
// it costs what checking a real one does, so an unknown username takes as long as a known one.
func dummyPasswordHash() string {
	dummyOnce.Do(func() {
		h, err := store.HashPassword(fmt.Sprintf("no user %d", time.Now().UnixNano()))
		if err == nil {
			dummyHash = h
		}
	})
	return dummyHash
}

// sftpAuthenticate decides a login for node nodeID. Refusals are sftp.ErrDenied (whatever the
// reason) or a *sftp.LockedError; any other error means the decision could not be made.
func (a *App) sftpAuthenticate(ctx context.Context, nodeID int, l sftp.Login) (sftp.Grant, error) {
	method := "password"
	if l.PublicKey != "" {
		method = "publickey"
	}
	log := a.sftp.audit.With("node", nodeID, "username", l.Username, "ip", l.RemoteIP, "method", method)
	key := lockKey(l.Username, l.RemoteIP)
	if l.PublicKey == "" { // only passwords count (below): decide a pair's one at a time
		release, err := a.sftp.locks.acquire(ctx, key)
		if err != nil {
			return sftp.Grant{}, fmt.Errorf("sftp login: wait for the attempts before: %w", err)
		}
		defer release()
	}
	if left := a.sftp.locks.locked(key); left > 0 {
		log.Warn("sftp login refused", "outcome", "locked", "retry_after", left.Round(time.Second))
		return sftp.Grant{}, &sftp.LockedError{RetryAfter: left}
	}
	g, err := a.sftpDecideLogin(ctx, nodeID, l)
	switch {
	case err == nil:
		log.Info("sftp login", "outcome", "granted", "server", g.ServerID, "user_id", g.UserID,
			"key_id", g.KeyID, "read_only", g.ReadOnly)
		return g, nil
	case errors.Is(err, sftp.ErrDenied):
		// Only passwords count toward the lockout: a refused key is no guess at a secret (a
		// node asks about every key a client offers, before it proves it holds one), and
		// clients offer all their agent's keys before a password.
		var left time.Duration
		if l.PublicKey == "" {
			left = a.sftp.locks.fail(key)
		}
		log.Warn("sftp login refused", "outcome", "denied", "locked", left > 0)
		return sftp.Grant{}, sftp.ErrDenied
	default:
		log.Error("sftp login failed", "outcome", "error", "err", err)
		return sftp.Grant{}, err
	}
}

// sftpDecideLogin checks the secret, then the grant. The password is always checked (against
// a dummy hash for an unknown user) before the server is looked at, so neither usernames nor
// server ids show in the time a refusal takes.
func (a *App) sftpDecideLogin(ctx context.Context, nodeID int, l sftp.Login) (sftp.Grant, error) {
	name, serverID, ok := splitSFTPUsername(l.Username)
	u, err := a.store.Client.User.Query().Where(user.Username(name)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return sftp.Grant{}, fmt.Errorf("sftp login: find user: %w", err)
	}
	if !ok || name == "" {
		u = nil
	}
	var keyID int64
	switch {
	case l.Password != "" && l.PublicKey == "":
		hash := dummyPasswordHash()
		if u != nil {
			hash = u.PasswordHash
		}
		if !store.CheckPassword(hash, l.Password) || u == nil {
			return sftp.Grant{}, sftp.ErrDenied
		}
	case l.PublicKey != "" && l.Password == "" && u != nil:
		if keyID, err = a.sftpFindKey(ctx, u.ID, l.PublicKey); err != nil {
			return sftp.Grant{}, err
		}
	default:
		return sftp.Grant{}, sftp.ErrDenied
	}
	return a.sftpGrant(ctx, nodeID, u, serverID, keyID)
}

// sftpFindKey returns the id of the user's stored key equal to the presented one.
func (a *App) sftpFindKey(ctx context.Context, userID int, presented string) (int64, error) {
	pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(presented))
	if err != nil {
		return 0, sftp.ErrDenied
	}
	k, err := a.store.Client.SSHKey.Query().
		Where(sshkey.UserID(userID), sshkey.Fingerprint(ssh.FingerprintSHA256(pk))).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return 0, sftp.ErrDenied
	case err != nil:
		return 0, fmt.Errorf("sftp login: find key: %w", err)
	case k.PublicKey != normalisedKey(pk):
		return 0, sftp.ErrDenied
	}
	return int64(k.ID), nil
}

// sftpCheck re-decides an open session: the grant as it stands now, or sftp.ErrDenied.
func (a *App) sftpCheck(ctx context.Context, nodeID int, g sftp.Grant) (sftp.Grant, error) {
	out, err := a.sftpRecheck(ctx, nodeID, g)
	log := a.sftp.audit.With("node", nodeID, "user_id", g.UserID, "server", g.ServerID, "key_id", g.KeyID)
	switch {
	case err == nil:
		log.Debug("sftp session check", "outcome", "granted", "read_only", out.ReadOnly)
	case errors.Is(err, sftp.ErrDenied):
		log.Info("sftp session check", "outcome", "denied")
	default:
		log.Error("sftp session check failed", "outcome", "error", "err", err)
	}
	return out, err
}

// sftpRecheck is sftpCheck's decision: the user (and the key the session logged in with)
// must still exist, then the grant rule applies as at login.
func (a *App) sftpRecheck(ctx context.Context, nodeID int, g sftp.Grant) (sftp.Grant, error) {
	u, err := a.store.Client.User.Get(ctx, int(g.UserID))
	switch {
	case ent.IsNotFound(err):
		return sftp.Grant{}, sftp.ErrDenied
	case err != nil:
		return sftp.Grant{}, fmt.Errorf("sftp check: find user: %w", err)
	}
	if g.KeyID != 0 {
		n, err := a.store.Client.SSHKey.Query().Where(sshkey.ID(int(g.KeyID)), sshkey.UserID(u.ID)).Count(ctx)
		if err != nil {
			return sftp.Grant{}, fmt.Errorf("sftp check: find key: %w", err)
		}
		if n == 0 {
			return sftp.Grant{}, sftp.ErrDenied
		}
	}
	return a.sftpGrant(ctx, nodeID, u, g.ServerID, g.KeyID)
}

// sftpGrant applies the grant rule to an authenticated user.
func (a *App) sftpGrant(ctx context.Context, nodeID int, u *ent.User, serverID string, keyID int64) (sftp.Grant, error) {
	s, err := a.store.Client.Server.Get(ctx, serverID)
	switch {
	case ent.IsNotFound(err):
		return sftp.Grant{}, sftp.ErrDenied
	case err != nil:
		return sftp.Grant{}, fmt.Errorf("sftp grant: find server: %w", err)
	}
	admin := u.Admin && slices.Contains(u.Scopes, oauth.ScopeAdmin)
	perms := a.contract.Expand(u.Scopes)
	if s.NodeID != nodeID || s.Suspended || (s.OwnerID != u.ID && !admin) || !(admin || perms[scopeFilesView]) {
		return sftp.Grant{}, sftp.ErrDenied
	}
	return sftp.Grant{UserID: int64(u.ID), Username: u.Username, ServerID: s.ID, KeyID: keyID,
		ReadOnly: !admin && !perms[scopeFilesEdit]}, nil
}
