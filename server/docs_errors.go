package server

import "errors"

// Errors of the served contract and reference page (h_spec.go, docs.go).
var (
	// ErrSpecConvert: openapi.yaml could not be converted to JSON at start-up.
	ErrSpecConvert = errors.New("convert openapi.yaml to JSON")
	// ErrDocsBundle: the embedded reference bundle is unusable (not a missing one: that is a
	// build without it, answered 501).
	ErrDocsBundle = errors.New("API reference bundle")
)
