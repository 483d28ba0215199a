package network

import "errors"

// Sentinels of the network package.
var (
	// ErrUnavailable: the host cannot give servers isolated networks (plugins or iptables
	// missing, br_netfilter not loaded, not root).
	ErrUnavailable = errors.New("container networking unavailable")
	// ErrInvalid: bad options or ports.
	ErrInvalid = errors.New("invalid network configuration")
)
