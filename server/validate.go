package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/gin-gonic/gin"
)

// fieldError is one validation failure, listed in the envelope's metadata.errors.
type fieldError struct {
	Field string `json:"field"`
	Code  string `json:"code"`
	Msg   string `json:"msg"`
}

// validate checks the request against the operation with kin-openapi, then the paging
// parameters' range. A streamed (octet-stream) body goes to the handler unread and
// unvalidated; any other body was already buffered within its limit by the middleware.
func (a *App) validate(c *gin.Context, op *Operation, streamed bool) error {
	params := make(map[string]string, len(c.Params))
	for _, p := range c.Params {
		params[p.Key] = p.Value
	}
	req := c.Request
	if streamed {
		// kin-openapi reads the whole body for its security check: give it a body-less copy so
		// uploads stay streamed (and a disk limit can refuse them before reading).
		r2 := *c.Request
		r2.Body = http.NoBody
		req = &r2
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      op.Route,
		Options: &openapi3filter.Options{
			MultiError:         true,
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			ExcludeRequestBody: streamed,
		},
	}
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
		return validationError(err)
	}
	if op.Paged {
		return checkPaging(req.URL.Query())
	}
	return nil
}

// validationError turns kin-openapi's errors into one 400 envelope: ErrFieldRequired when any
// failure is a missing field, else ErrFieldInvalid; metadata names the first field and lists all.
func validationError(err error) *APIError {
	var list []fieldError
	collectFieldErrors(err, "", &list)
	if len(list) == 0 {
		list = append(list, fieldError{Field: "", Code: CodeFieldInvalid, Msg: "invalid request"})
	}
	code := CodeFieldInvalid
	for _, fe := range list {
		if fe.Code == CodeFieldRequired {
			code = CodeFieldRequired
			break
		}
	}
	first := list[0]
	for _, fe := range list {
		if fe.Code == code {
			first = fe
			break
		}
	}
	msg := first.Msg
	if len(list) > 1 {
		msg = fmt.Sprintf("%s (and %d more problems)", msg, len(list)-1)
	}
	return newAPIError(http.StatusBadRequest, code, msg, map[string]any{"field": first.Field, "errors": list})
}

func collectFieldErrors(err error, field string, out *[]fieldError) {
	if multi, ok := err.(openapi3.MultiError); ok {
		for _, e := range multi {
			collectFieldErrors(e, field, out)
		}
		return
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		switch {
		case re.Parameter != nil:
			field = re.Parameter.Name
		case re.RequestBody != nil:
			field = "body"
		}
		if re.Err == nil {
			*out = append(*out, fieldError{Field: field, Code: CodeFieldInvalid, Msg: safeReason(re.Reason, field)})
			return
		}
		if errors.Is(re.Err, openapi3filter.ErrInvalidRequired) {
			*out = append(*out, fieldError{Field: field, Code: CodeFieldRequired, Msg: fmt.Sprintf("%s is required", field)})
			return
		}
		var se *openapi3.SchemaError
		if _, multi := re.Err.(openapi3.MultiError); multi || errors.As(re.Err, &se) {
			collectFieldErrors(re.Err, fieldPrefix(re, field), out)
			return
		}
		var pe *openapi3filter.ParseError
		if errors.As(re.Err, &pe) {
			*out = append(*out, fieldError{Field: field, Code: CodeFieldInvalid, Msg: field + ": malformed value: " + pe.Reason})
			return
		}
		*out = append(*out, fieldError{Field: field, Code: CodeFieldInvalid, Msg: safeReason(re.Reason, field)})
		return
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		*out = append(*out, schemaFieldError(se, field))
		return
	}
	var secErr *openapi3filter.SecurityRequirementsError
	if errors.As(err, &secErr) {
		return // authentication is handled before validation
	}
	*out = append(*out, fieldError{Field: field, Code: CodeFieldInvalid, Msg: "invalid request"})
}

func fieldPrefix(re *openapi3filter.RequestError, field string) string {
	if re.RequestBody != nil {
		return "" // body fields are named by their JSON pointer
	}
	return field
}

// schemaFieldError names the failing field by JSON pointer, e.g. "limits.memory". kin-openapi
// reports a missing property (pointer ends with it) and an unknown one (pointer names the
// parent) as `property "x" is missing` / `property "x" is unsupported`.
func schemaFieldError(se *openapi3.SchemaError, prefix string) fieldError {
	ptr := se.JSONPointer()
	code, reason := CodeFieldInvalid, se.Reason
	if prop, ok := quotedProperty(reason, " is missing"); ok {
		code = CodeFieldRequired
		if len(ptr) == 0 || ptr[len(ptr)-1] != prop {
			ptr = append(ptr, prop)
		}
		reason = "is required"
	} else if prop, ok := quotedProperty(reason, " is unsupported"); ok {
		if len(ptr) == 0 || ptr[len(ptr)-1] != prop {
			ptr = append(ptr, prop)
		}
		reason = "unknown field"
	}
	name := strings.Join(ptr, ".")
	if prefix != "" {
		name = strings.TrimSuffix(prefix+"."+name, ".")
	}
	if name == "" {
		name = "body"
	}
	return fieldError{Field: name, Code: code, Msg: name + ": " + reason}
}

// quotedProperty parses `property "x"<suffix>`.
func quotedProperty(reason, suffix string) (string, bool) {
	const head = `property "`
	if !strings.HasPrefix(reason, head) || !strings.HasSuffix(reason, `"`+suffix) {
		return "", false
	}
	return reason[len(head) : len(reason)-len(suffix)-1], true
}

func safeReason(reason, field string) string {
	if reason == "" {
		return field + ": invalid value"
	}
	return field + ": " + reason
}
