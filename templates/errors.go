package templates

import (
	"errors"
	"fmt"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrNotFound: no template with that name.
	ErrNotFound = errors.New("template not found")
	// ErrInvalidTemplate: a template file is malformed; the message names the field.
	ErrInvalidTemplate = errors.New("invalid template")
	// ErrVariableRequired: a required variable has no value and no default.
	ErrVariableRequired = errors.New("variable required")
	// ErrVariableInvalid: a variable value has the wrong type, is not one of the options, or
	// the template does not define the variable.
	ErrVariableInvalid = errors.New("invalid variable value")
)

// VariableError reports which variable failed validation. It wraps ErrVariableRequired or
// ErrVariableInvalid.
type VariableError struct {
	Name   string // the variable
	Reason string // human-readable, names the variable
	Err    error  // ErrVariableRequired or ErrVariableInvalid
}

func (e *VariableError) Error() string { return e.Reason }

// Unwrap returns the sentinel.
func (e *VariableError) Unwrap() error { return e.Err }

func required(name string) error {
	return &VariableError{Name: name, Err: ErrVariableRequired,
		Reason: fmt.Sprintf("variable %q is required", name)}
}

func invalid(name, format string, args ...any) error {
	return &VariableError{Name: name, Err: ErrVariableInvalid,
		Reason: fmt.Sprintf("variable %q: ", name) + fmt.Sprintf(format, args...)}
}

// FieldError is an invalid template, naming the field at fault ("run.command",
// "variables.memory", "install[0].url"). It wraps ErrInvalidTemplate.
type FieldError struct {
	Template string // the template's name
	Field    string
	Reason   string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%v: %s: %s: %s", ErrInvalidTemplate, e.Template, e.Field, e.Reason)
}

// Unwrap returns ErrInvalidTemplate.
func (e *FieldError) Unwrap() error { return ErrInvalidTemplate }

func badField(t, field, format string, args ...any) error {
	return &FieldError{Template: t, Field: field, Reason: fmt.Sprintf(format, args...)}
}
