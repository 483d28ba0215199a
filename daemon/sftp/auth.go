// Package sftp is the node's SFTP server: golang.org/x/crypto/ssh for the transport and
// github.com/pkg/sftp for the protocol, with every file operation going through the node's
// os.Root file service (daemon/files). Logins are `<panel username>.<server id>` with the
// user's panel password or one of the user's SSH keys; the node asks the panel through an
// Authenticator (over HTTP for `skypanel daemon`, in process for the panel's embedded node)
// and re-checks every open session periodically.
//
// # Logins
//
// The panel decides every login (Authenticator.Authenticate, also for servers that are missing
// or suspended here, so that every attempt is audited); the node then refuses a server that is
// not on this node or is suspended, and a server that already has Options.MaxSessionsPerServer
// sessions. Refusals the client may learn about (lockout, suspension, too many sessions, the
// panel unreachable) are sent as an SSH banner before the authentication failure; a wrong
// secret is a plain failure. A key is offered to the panel as its authorized_keys line when the
// client proposes it (x/crypto/ssh asks before the client proves it holds the key); the session
// starts only after the signature checked out. Only "session" channels with the "sftp"
// subsystem are served: no shell, exec, port forwarding or agent. The host key is an ed25519
// key in OpenSSH format (LoadHostKey), created 0600 at the first start. At most
// Options.MaxStartups connections may be in their handshake and login at once (each holds a
// descriptor and a goroutine until Options.LoginTimeout): one more is closed at once.
//
// # Files
//
// Every request goes through daemon/files on the server's volume (os.Root: `..` and symlinks
// never leave it; refused paths are "permission denied"). An opened file is an upload
// (files.Upload): writes at any offsets go to a temporary file next to the target, renamed over
// it when the client closes the handle; a connection that breaks with the handle open, or a
// write refused by the disk limit, leaves the old file as it was. Opening without truncation
// starts from a copy of the current content; a stat of a handle being written (fstat, which
// pkg/sftp asks by path) describes the upload. Setstat applies sizes and times only (permission
// and owner changes are accepted and ignored); mkdir makes one folder, not its missing
// parents (like OpenSSH's sftp-server); symlinks and hard links cannot be made. A
// read-only grant refuses every write with "permission denied" (an upload open when the grant
// turns read-only is dropped at close). statvfs (df) reports the disk
// limit and what is left of it (the node's file system without a limit). An open upload does
// not hold up a restore, wipe or transfer of the volume (files.Service.Exclusive); it then
// fails at close and the volume keeps what the restore put there.
//
// # Sessions
//
// Sessions are counted per server. Each is re-checked every Options.CheckInterval with the
// panel (Authenticator.Check): ErrDenied closes it, a new ReadOnly applies at once, and
// Options.CheckFailures checks in a row that could not be answered close it. The node's own
// Servers are asked on every request and at every check, and ServerChanged (daemon.Manager's
// OnAccessLost hook) closes the sessions of a deleted or suspended server at once. A session
// that reads nothing for Options.IdleTimeout is closed.
package sftp

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Login is what an SFTP client presented.
type Login struct {
	Username  string // "<panel username>.<server id>"
	Password  string // "" for a key login
	PublicKey string // authorized_keys form ("ssh-ed25519 AAAA…"), "" for a password login
	RemoteIP  string // the client's address, for the lockout and the audit log
}

// Grant is what an SFTP session may do, as the panel decided.
type Grant struct {
	UserID   int64
	Username string // the panel username
	ServerID string
	KeyID    int64 // the SSH key that logged in; 0 for a password login
	ReadOnly bool  // the user lacks server.files.edit
}

// ErrDenied means the panel refused the login or the session (whatever the reason: the
// client is never told which).
var ErrDenied = errors.New("sftp: access denied")

// ErrLocked means too many failed logins for this username and address: refused for a while.
var ErrLocked = errors.New("sftp: too many failed logins")

// LockedError is ErrLocked with how long the lockout lasts.
type LockedError struct{ RetryAfter time.Duration }

func (e *LockedError) Error() string {
	return fmt.Sprintf("%v: retry after %s", ErrLocked, e.RetryAfter)
}

// Is makes a *LockedError match ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Authenticator asks the panel. Errors other than ErrDenied and ErrLocked mean the panel could
// not be asked (the login is refused; an open session is kept until checks keep failing).
type Authenticator interface {
	// Authenticate decides a login.
	Authenticate(ctx context.Context, l Login) (Grant, error)
	// Check re-decides an open session: the grant as it stands now, or ErrDenied to close it.
	Check(ctx context.Context, g Grant) (Grant, error)
}
