// Package sftp is the node's SFTP server: golang.org/x/crypto/ssh for the transport and
// github.com/pkg/sftp for the protocol, with every file operation going through the node's
// os.Root file service (daemon/files). Logins are `<panel username>.<server id>` with the
// user's panel password or one of the user's SSH keys; the node asks the panel through an
// Authenticator (over HTTP for `skypanel daemon`, in process for the panel's embedded node)
// and re-checks every open session periodically.
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
