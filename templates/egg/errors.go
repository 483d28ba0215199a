package egg

import (
	"errors"
	"fmt"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrUnsupported: the egg is well-formed but uses something SkyPanel templates cannot express.
	ErrUnsupported = errors.New("egg feature not supported")
	// ErrInvalid: the egg is malformed (bad JSON, unknown format, missing or wrong-typed field).
	ErrInvalid = errors.New("invalid egg")
)

// FieldError names the egg field a conversion failed on (e.g. "variables[2].rules"), so an
// API can answer 400 naming it. It wraps ErrUnsupported or ErrInvalid.
type FieldError struct {
	Field string // path in the egg's JSON
	Msg   string // human-readable reason
	Err   error  // ErrUnsupported or ErrInvalid
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Msg) }

// Unwrap returns the sentinel.
func (e *FieldError) Unwrap() error { return e.Err }

func unsupported(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...), Err: ErrUnsupported}
}

func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...), Err: ErrInvalid}
}
