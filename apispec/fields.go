package apispec

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// FieldError is one validation failure, listed in the envelope's metadata.errors.
type FieldError struct {
	Field string `json:"field"`
	Code  string `json:"code"`
	Msg   string `json:"msg"`
}

// ValidationError turns kin-openapi's request errors into one 400 envelope: the
// FieldRequired code when any failure is a missing field, else FieldInvalid; metadata names
// the first field ("field") and lists all ("errors").
func ValidationError(err error, codes Codes) *Error {
	c := fieldCodes{invalid: codes.FieldInvalid, required: codes.or(codes.FieldRequired)}
	var list []FieldError
	c.collect(err, "", &list)
	if len(list) == 0 {
		list = append(list, FieldError{Field: "", Code: c.invalid, Msg: "invalid request"})
	}
	code := c.invalid
	for _, fe := range list {
		if fe.Code == c.required {
			code = c.required
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
	return &Error{Status: http.StatusBadRequest, Code: code, Msg: msg,
		Metadata: map[string]any{"field": first.Field, "errors": list}, Cause: err}
}

type fieldCodes struct{ invalid, required string }

func (c fieldCodes) collect(err error, field string, out *[]FieldError) {
	if multi, ok := err.(openapi3.MultiError); ok {
		for _, e := range multi {
			c.collect(e, field, out)
		}
		return
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		c.request(re, field, out)
		return
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		*out = append(*out, c.schema(se, field))
		return
	}
	var secErr *openapi3filter.SecurityRequirementsError
	if errors.As(err, &secErr) {
		return // authentication is the caller's, before validation
	}
	*out = append(*out, FieldError{Field: field, Code: c.invalid, Msg: "invalid request"})
}

func (c fieldCodes) request(re *openapi3filter.RequestError, field string, out *[]FieldError) {
	switch {
	case re.Parameter != nil:
		field = re.Parameter.Name
	case re.RequestBody != nil:
		field = "body"
	}
	if re.Err == nil {
		*out = append(*out, FieldError{Field: field, Code: c.invalid, Msg: safeReason(re.Reason, field)})
		return
	}
	if errors.Is(re.Err, openapi3filter.ErrInvalidRequired) {
		*out = append(*out, FieldError{Field: field, Code: c.required, Msg: field + " is required"})
		return
	}
	var se *openapi3.SchemaError
	if _, multi := re.Err.(openapi3.MultiError); multi || errors.As(re.Err, &se) {
		prefix := field
		if re.RequestBody != nil {
			prefix = "" // body fields are named by their JSON pointer
		}
		c.collect(re.Err, prefix, out)
		return
	}
	var pe *openapi3filter.ParseError
	if errors.As(re.Err, &pe) {
		*out = append(*out, FieldError{Field: field, Code: c.invalid, Msg: field + ": malformed value: " + pe.Reason})
		return
	}
	*out = append(*out, FieldError{Field: field, Code: c.invalid, Msg: safeReason(re.Reason, field)})
}

// schema names the failing field by JSON pointer, e.g. "limits.memory". kin-openapi reports a
// missing property (pointer ends with it) and an unknown one (pointer names the parent) as
// `property "x" is missing` / `property "x" is unsupported`.
func (c fieldCodes) schema(se *openapi3.SchemaError, prefix string) FieldError {
	ptr := se.JSONPointer()
	code, reason := c.invalid, se.Reason
	if prop, ok := quotedProperty(reason, " is missing"); ok {
		code = c.required
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
	return FieldError{Field: name, Code: code, Msg: name + ": " + reason}
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
