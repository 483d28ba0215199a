package apispec

import (
	"errors"
	"fmt"
)

// ErrInvalidSpec means a document could not be loaded or does not validate.
var ErrInvalidSpec = errors.New("invalid OpenAPI document")

// ErrResponseMismatch means a response does not match the document (CheckResponse).
var ErrResponseMismatch = errors.New("response does not match the spec")

// errUndeclaredType means a streamed response's media type is not declared for its status.
var errUndeclaredType = errors.New("media type not declared for this status")

// Error is an error that knows its HTTP status and envelope. WriteError renders it; Cause is
// for logs and never sent.
type Error struct {
	Status   int
	Code     string
	Msg      string
	Metadata map[string]any
	Cause    error
}

// NewError returns an *Error without a cause.
func NewError(status int, code, msg string, md map[string]any) *Error {
	return &Error{Status: status, Code: code, Msg: msg, Metadata: md}
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Msg, e.Cause)
	}
	return e.Code + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Cause }
