package host

import "errors"

// Sentinel errors of the host runtime; Create and Start wrap them together with
// runtime.ErrInvalidSpec (the request cannot succeed on this node as configured).
var (
	// ErrDisabled: standard servers are turned off on this node (Options.Mode = ModeOff).
	ErrDisabled = errors.New("standard servers are disabled on this node (--standard-servers=off)")
	// ErrNotIsolated: the daemon is not root, so it cannot give a server its own uid and
	// cgroup, and the operator did not accept running servers as the daemon's own user.
	ErrNotIsolated = errors.New("standard servers need root to run isolated (own uid and cgroup);" +
		" serve runs as a normal user: pass --standard-servers=unisolated to run them as that user (unsafe:" +
		" they can read the panel's data)")
	// ErrMount: the spec asks for the server folder at a mount point; host processes have no
	// mount namespace and run in the folder itself, so only "" and runtime.DefaultMount fit.
	ErrMount = errors.New("the standard environment runs in the server folder itself and cannot mount it elsewhere;" +
		" use the docker environment for a mount point other than /home/container")
)
