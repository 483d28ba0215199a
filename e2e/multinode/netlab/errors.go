package netlab

import "errors"

// ErrUnsupported is returned when this machine (or user) cannot build labs.
var ErrUnsupported = errors.New("netlab unsupported")
