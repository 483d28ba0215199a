package apispec

import (
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// ValidatorOptions configure a Validator. Codes.FieldInvalid is required.
type ValidatorOptions struct {
	Codes Codes
	// MaxBody bounds JSON and form bodies (default 1 MiB).
	MaxBody int64
	// BodyReadTimeout bounds reading a buffered body (0: none).
	BodyReadTimeout time.Duration
	// StreamedTypes are the request media types passed to the handler unread and unvalidated
	// (default application/octet-stream and application/x-tar).
	StreamedTypes []string
	// JSONAliases are media types treated as application/json (e.g. a vendor type).
	JSONAliases []string
	// EmptyObjectAsNone accepts the body `{}` on operations that declare none.
	EmptyObjectAsNone bool
}

// DefaultMaxBody is ValidatorOptions.MaxBody when unset.
const DefaultMaxBody = 1 << 20

// Validator checks requests against a Spec.
type Validator struct {
	spec *Spec
	opts ValidatorOptions
}

// NewValidator returns a validator of requests against spec.
func NewValidator(spec *Spec, opts ValidatorOptions) *Validator {
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.StreamedTypes == nil {
		opts.StreamedTypes = []string{MediaOctetStream, MediaTar}
	}
	return &Validator{spec: spec, opts: opts}
}

// Spec is the document the validator checks against.
func (v *Validator) Spec() *Spec { return v.spec }

// Middleware validates each request of a known operation before next sees it, in this order:
// the body's media type (headers only), the bounded read of a JSON or form body, then the
// parameters and body against the spec. A refusal is written as the envelope (400, 413 or
// 415); a request refused before its body was read closes its connection. Requests that match
// no operation go to next untouched (its router answers 404/405). Authentication is next's
// business or an outer middleware's: security requirements are not checked here.
func (v *Validator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, params, err := v.spec.Match(r.Method, r.URL.EscapedPath())
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		kind, err := v.Admit(r, op)
		if err == nil && kind == BodyBuffered {
			err = v.Buffer(w, r, v.opts.MaxBody)
		}
		if err != nil {
			RefuseUnread(w, r)
			WriteError(w, asError(err, v.opts.Codes))
			return
		}
		if err := v.Validate(r, op, params, kind == BodyStreamed); err != nil {
			WriteError(w, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Validate checks the request's parameters and (unless streamed) its already buffered body
// against the operation; a failure is the 400 envelope of ValidationError.
func (v *Validator) Validate(r *http.Request, op *Operation, params map[string]string, streamed bool) *Error {
	req := r
	if streamed {
		// kin-openapi reads the whole body for its security check: give it a body-less copy so
		// uploads stay streamed.
		r2 := *r
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
		return ValidationError(err, v.opts.Codes)
	}
	return nil
}

func asError(err error, codes Codes) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return &Error{Status: http.StatusBadRequest, Code: codes.FieldInvalid, Msg: "invalid request", Cause: err}
}
