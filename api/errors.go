package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"time"
)

// Sentinels for the common error codes: errors.Is(err, api.ErrNotFound) holds for an *APIError
// whose Code is that family (ErrNotFound matches every "…NotFound" code: ErrServerNotFound,
// ErrUserNotFound, ErrNodeNotFound, …). Match on APIError.Code for one exact code.
var (
	ErrNotFound         = &codeSentinel{name: "not found", status: http.StatusNotFound}
	ErrUnauthorized     = &codeSentinel{name: "unauthorized", codes: []ErrorCode{ErrorCodeErrUnauthorized}}
	ErrPermissionDenied = &codeSentinel{name: "permission denied", codes: []ErrorCode{ErrorCodeErrPermissionDenied}}
	ErrInvalidInput     = &codeSentinel{name: "invalid input", codes: []ErrorCode{ErrorCodeErrFieldInvalid, ErrorCodeErrFieldRequired}}
	ErrConflict         = &codeSentinel{name: "conflict", status: http.StatusConflict}
	ErrRateLimited      = &codeSentinel{name: "rate limited", codes: []ErrorCode{ErrorCodeErrRateLimited}}
	ErrNodeUnavailable  = &codeSentinel{name: "node unavailable", codes: []ErrorCode{ErrorCodeErrNodeUnavailable}}
	ErrInternal         = &codeSentinel{name: "internal error", codes: []ErrorCode{ErrorCodeErrInternal}}
)

// Errors of this package's own checks.
var (
	ErrNoResponse  = errors.New("api: no response")                       // Check got neither a response nor an error
	ErrBaseURL     = errors.New("api: base URL must be http(s)://host")   // New got a bad base URL
	ErrCredentials = errors.New("api: client id and secret are required") // New got empty credentials
)

// codeSentinel is an error value that matches APIErrors by code or, when it lists no codes, by
// HTTP status.
type codeSentinel struct {
	name   string
	codes  []ErrorCode
	status int
}

func (s *codeSentinel) Error() string { return "api: " + s.name }

func (s *codeSentinel) matches(e *APIError) bool {
	if len(s.codes) == 0 {
		return e.Status == s.status
	}
	for _, c := range s.codes {
		if e.Code == c {
			return true
		}
	}
	return false
}

// APIError is an error response of the panel: the envelope {"error":{"code","msg","metadata"}}
// and the HTTP status. RetryAfter is set from the Retry-After header (429, 503).
type APIError struct {
	Status     int
	Code       ErrorCode
	Msg        string
	Metadata   map[string]any
	RetryAfter time.Duration
}

// Error reports the status, code and message.
func (e *APIError) Error() string {
	return fmt.Sprintf("api: %d %s: %s", e.Status, e.Code, e.Msg)
}

// Is makes errors.Is(err, ErrNotFound) and the other sentinels match by code.
func (e *APIError) Is(target error) bool {
	s, ok := target.(*codeSentinel)
	return ok && s.matches(e)
}

// ErrorFromResponse returns nil for a status below 400 and otherwise an *APIError read from
// body (the envelope; a body that is not one still gives an APIError with the status, Code
// empty and Msg the start of the body).
func ErrorFromResponse(resp *http.Response, body []byte) error {
	if resp == nil {
		return ErrNoResponse
	}
	if resp.StatusCode < 400 {
		return nil
	}
	e := &APIError{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header, time.Now())}
	var env Error
	if err := json.Unmarshal(body, &env); err == nil && env.Error.Code != "" {
		e.Code, e.Msg = env.Error.Code, env.Error.Msg
		if env.Error.Metadata != nil {
			e.Metadata = *env.Error.Metadata
		}
		return e
	}
	e.Msg = string(body[:min(len(body), 200)])
	if e.Msg == "" {
		e.Msg = http.StatusText(resp.StatusCode)
	}
	return e
}

// Check turns the result of a generated …WithResponse call into (response, error): err as is,
// or an *APIError when the status is 400 or more.
//
//	srv, err := api.Check(c.GetServerWithResponse(ctx, "ABC12345", nil))
//	if errors.Is(err, api.ErrNotFound) { … }
func Check[R any](r *R, err error) (*R, error) {
	if err != nil {
		return r, err
	}
	if r == nil {
		return nil, ErrNoResponse
	}
	// every generated response type has the fields HTTPResponse and Body
	v := reflect.Indirect(reflect.ValueOf(r))
	var hr *http.Response
	var body []byte
	if v.Kind() == reflect.Struct {
		if f := v.FieldByName("HTTPResponse"); f.IsValid() {
			hr, _ = f.Interface().(*http.Response)
		}
		if f := v.FieldByName("Body"); f.IsValid() {
			body, _ = f.Interface().([]byte)
		}
	}
	if err := ErrorFromResponse(hr, body); err != nil {
		return r, err
	}
	return r, nil
}

// retryAfter reads Retry-After (delay-seconds or an HTTP date); 0 when absent or invalid.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
