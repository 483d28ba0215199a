package nodeapi

import (
	"errors"
	"fmt"
)

// Sentinels of the node API itself (the daemon's packages have the others; see codes.go).
var (
	// ErrUnauthorized: the panel's token was refused.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrFieldInvalid: a request parameter or body does not match daemon.yaml.
	ErrFieldInvalid = errors.New("invalid request field")
	// ErrUnsupportedMediaType: the request body has a content type the operation does not take.
	ErrUnsupportedMediaType = errors.New("unsupported media type")
	// ErrArchiveInvalid: a server archive (transfer) is not a valid export stream.
	ErrArchiveInvalid = errors.New("invalid server archive")
	// ErrChecksumMismatch: what was received does not have the expected sha256.
	ErrChecksumMismatch = errors.New("checksum mismatch")
	// ErrRouteNotFound: no operation of daemon.yaml has the request's path (an older daemon
	// lacks the operation).
	ErrRouteNotFound = errors.New("no such route")
	// ErrMethodNotAllowed: the path is an operation's, but not with the request's method.
	ErrMethodNotAllowed = errors.New("method not allowed")
	// ErrInternal: the node failed in a way the caller cannot fix.
	ErrInternal = errors.New("internal node error")

	// ErrSFTPConfig: the SFTP server's address or limits are invalid, or its address cannot be listened on.
	ErrSFTPConfig = errors.New("invalid SFTP server configuration")

	// errNoDaemon: the Service has no Manager (the cause of its UnavailableErrors).
	errNoDaemon = errors.New("the local daemon is not running")
)

// ErrUnavailable means the node does not answer (a remote node that is down, partitioned or too
// slow, or a local daemon that is not running). The panel answers 503 ErrNodeUnavailable.
var ErrUnavailable = errors.New("node unavailable")

// UnavailableError says which node did not answer and why; it matches ErrUnavailable and the
// panel's error mapper puts NodeID in the envelope's metadata.nodeId. Err is for administrators
// (it may name hosts, sockets and paths); tenants get a generic message.
type UnavailableError struct {
	NodeID int
	Err    error // the cause (dial error, timeout, the node's own reason)
}

func (e *UnavailableError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("node %d is unavailable", e.NodeID)
	}
	return fmt.Sprintf("node %d is unavailable: %v", e.NodeID, e.Err)
}

// Unwrap returns ErrUnavailable and the cause.
func (e *UnavailableError) Unwrap() []error { return []error{ErrUnavailable, e.Err} }

// Unavailable wraps cause as node nodeID not answering.
func Unavailable(nodeID int, cause error) error { return &UnavailableError{NodeID: nodeID, Err: cause} }

// NodeIDOf returns the node id of an UnavailableError in err's chain.
func NodeIDOf(err error) (int, bool) {
	var u *UnavailableError
	if errors.As(err, &u) {
		return u.NodeID, true
	}
	return 0, false
}
