package templates

import (
	"errors"
	"fmt"
)

// Errors of the converters that turn other panels' templates (eggs, PufferPanel templates)
// into ours; match them with errors.Is.
var (
	// ErrSourceUnsupported: the source is well-formed but uses something templates cannot express.
	ErrSourceUnsupported = errors.New("feature not supported by templates")
	// ErrSourceInvalid: the source is malformed (bad JSON, unknown format, missing or wrong-typed field).
	ErrSourceInvalid = errors.New("invalid template source")
)

// SourceError names the field of the source document a conversion failed on (e.g.
// "variables[2].rules"), so the API can answer 400 naming it. It wraps ErrSourceUnsupported
// or ErrSourceInvalid.
type SourceError struct {
	Field string // path in the source's JSON
	Msg   string // human-readable reason
	Err   error  // ErrSourceUnsupported or ErrSourceInvalid
}

func (e *SourceError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Msg) }

// Unwrap returns the sentinel.
func (e *SourceError) Unwrap() error { return e.Err }

// SourceUnsupported returns a *SourceError wrapping ErrSourceUnsupported.
func SourceUnsupported(field, format string, args ...any) error {
	return &SourceError{Field: field, Msg: fmt.Sprintf(format, args...), Err: ErrSourceUnsupported}
}

// SourceInvalid returns a *SourceError wrapping ErrSourceInvalid.
func SourceInvalid(field, format string, args ...any) error {
	return &SourceError{Field: field, Msg: fmt.Sprintf(format, args...), Err: ErrSourceInvalid}
}
