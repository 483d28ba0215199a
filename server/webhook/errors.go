package webhook

import "errors"

// Sentinel errors of the package.
var (
	// ErrBadSignature: a signature header is malformed or does not match the body.
	ErrBadSignature = errors.New("webhook: signature does not match")
	// ErrStaleTimestamp: the signed timestamp is outside the accepted tolerance.
	ErrStaleTimestamp = errors.New("webhook: timestamp outside tolerance")
	// ErrUnknownEvent: an event type the panel does not emit.
	ErrUnknownEvent = errors.New("webhook: unknown event type")
	// ErrStatus: the endpoint answered with a non-2xx status.
	ErrStatus = errors.New("webhook: endpoint answered with a non-2xx status")
)
