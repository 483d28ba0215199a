package containerd

import "errors"

// Sentinels of the containerd runtime (besides runtime's).
var (
	// ErrRegistryConfig: bad registry credentials configuration.
	ErrRegistryConfig = errors.New("invalid registry configuration")
)
