package server

import (
	"context"

	"github.com/skypanel/skypanel/daemon/sftp"
)

// localSFTPAuth is the embedded node's sftp.Authenticator: the panel's own decision, in
// process (no HTTP, no token), with the same lockout and audit log as sftpAuth/sftpCheck.
type localSFTPAuth struct {
	a      *App
	nodeID int
}

// SFTPAuthenticator returns the in-process Authenticator for the node nodeID (the panel's
// embedded local node): refusals are sftp.ErrDenied, lockouts *sftp.LockedError.
func (a *App) SFTPAuthenticator(nodeID int) sftp.Authenticator {
	return localSFTPAuth{a: a, nodeID: nodeID}
}

// Authenticate decides a login.
func (l localSFTPAuth) Authenticate(ctx context.Context, login sftp.Login) (sftp.Grant, error) {
	if (login.Password == "") == (login.PublicKey == "") {
		return sftp.Grant{}, sftp.ErrDenied
	}
	return l.a.sftpAuthenticate(ctx, l.nodeID, login)
}

// Check re-decides an open session.
func (l localSFTPAuth) Check(ctx context.Context, g sftp.Grant) (sftp.Grant, error) {
	return l.a.sftpCheck(ctx, l.nodeID, g)
}
