package apispec

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Media types the validator knows by name.
const (
	MediaJSON        = "application/json"
	MediaOctetStream = "application/octet-stream"
	MediaTar         = "application/x-tar"
	MediaNDJSON      = "application/x-ndjson"
	// maxEchoedType bounds how much of a refused Content-Type an error repeats.
	maxEchoedType = 100
)

// BodyKind is how a request's body is treated.
type BodyKind int

// The body kinds.
const (
	BodyNone     BodyKind = iota // no body (Content-Length 0)
	BodyBuffered                 // JSON or form: read whole within a limit, then validated
	BodyStreamed                 // binary: handed to the handler unread and unvalidated
)

// HasBody reports whether the request carries a body; a chunked one (ContentLength -1) does.
func HasBody(r *http.Request) bool { return r.ContentLength != 0 }

// Admit decides, from the headers only, how the operation takes the request's body: a body
// where the operation declares none, a Content-Type it does not declare (parameters such as
// charset are ignored; a JSONAliases type counts as application/json and is rewritten to it
// for the validator), a missing or malformed one → 415. Nothing is read, except with
// EmptyObjectAsNone the two bytes of a declared `{}`.
func (v *Validator) Admit(r *http.Request, op *Operation) (BodyKind, error) {
	if !HasBody(r) {
		return BodyNone, nil
	}
	values := r.Header.Values("Content-Type")
	sent := strings.Join(values, ", ")
	if len(op.BodyTypes) == 0 {
		if v.opts.EmptyObjectAsNone && v.emptyJSONObject(r) {
			return BodyNone, nil
		}
		return BodyNone, v.unsupportedMediaType(sent, op.BodyTypes, "this operation takes no request body")
	}
	if len(values) != 1 {
		return BodyNone, v.unsupportedMediaType(sent, op.BodyTypes, "send exactly one Content-Type header")
	}
	mt, params, err := mime.ParseMediaType(values[0])
	if err != nil {
		return BodyNone, v.unsupportedMediaType(sent, op.BodyTypes, "malformed Content-Type")
	}
	if slices.Contains(v.opts.JSONAliases, mt) {
		mt = MediaJSON
		r.Header.Set("Content-Type", mime.FormatMediaType(mt, params))
	}
	if !op.AcceptsBody(mt) {
		return BodyNone, v.unsupportedMediaType(sent, op.BodyTypes, "")
	}
	if slices.Contains(v.opts.StreamedTypes, mt) {
		return BodyStreamed, nil
	}
	return BodyBuffered, nil
}

// emptyJSONObject reports whether a request carries exactly the JSON object `{}`; the body is
// then consumed and the request made bodiless. At most the two declared bytes are read.
func (v *Validator) emptyJSONObject(r *http.Request) bool {
	if r.ContentLength != 2 {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != MediaJSON && !slices.Contains(v.opts.JSONAliases, mt)) {
		return false
	}
	var b [2]byte
	if _, err := io.ReadFull(r.Body, b[:]); err != nil || string(b[:]) != "{}" {
		return false
	}
	r.Body, r.ContentLength = http.NoBody, 0
	r.Header.Del("Content-Type")
	return true
}

// unsupportedMediaType is the 415 envelope; metadata names what was sent and what the
// operation accepts.
func (v *Validator) unsupportedMediaType(sent string, accepted []string, why string) *Error {
	if len(sent) > maxEchoedType {
		sent = sent[:maxEchoedType] + "…"
	}
	if accepted == nil {
		accepted = []string{}
	}
	msg := why
	if msg == "" {
		msg = fmt.Sprintf("Content-Type %q is not accepted by this operation; send %s", sent, strings.Join(accepted, " or "))
	}
	return NewError(http.StatusUnsupportedMediaType, v.opts.Codes.or(v.opts.Codes.UnsupportedMediaType), msg,
		map[string]any{"contentType": sent, "accepted": accepted})
}

// PayloadTooLarge is the 413 envelope of a body over limit bytes.
func (v *Validator) PayloadTooLarge(limit int64) *Error {
	return NewError(http.StatusRequestEntityTooLarge, v.opts.Codes.or(v.opts.Codes.PayloadTooLarge),
		fmt.Sprintf("request body larger than %d bytes", limit), map[string]any{"limit": limit})
}

// Buffer reads the whole body, at most limit bytes (a declared larger Content-Length is refused
// without reading) and within Options.BodyReadTimeout (0: none), and replaces it with the
// buffer: validation and handlers never read the connection. Over the limit → 413; a body
// that fails or stalls → 400.
func (v *Validator) Buffer(w http.ResponseWriter, r *http.Request, limit int64) error {
	if r.ContentLength > limit {
		return v.PayloadTooLarge(limit)
	}
	if t := v.opts.BodyReadTimeout; t > 0 {
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(t)) == nil {
			defer func() { _ = rc.SetReadDeadline(time.Time{}) }()
		}
	}
	var buf bytes.Buffer
	// The declared length is a claim: memory grows with what arrives, not with what is announced.
	buf.Grow(int(min(max(r.ContentLength, 0), 32<<10)))
	n, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return &Error{Status: http.StatusBadRequest, Code: v.opts.Codes.FieldInvalid,
			Msg: "the request body could not be read", Metadata: map[string]any{"field": "body"}, Cause: err}
	}
	if n > limit {
		return v.PayloadTooLarge(limit)
	}
	data := buf.Bytes()
	r.Body = io.NopCloser(bytes.NewReader(data))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	r.ContentLength = n
	return nil
}

// RefuseUnread marks the response to a request refused before its body was read to close the
// HTTP/1 connection, so the server neither drains nor parses what the client still sends.
// HTTP/2 resets the stream by itself. Call it before writing the response.
func RefuseUnread(w http.ResponseWriter, r *http.Request) {
	if HasBody(r) && r.ProtoMajor == 1 {
		w.Header().Set("Connection", "close")
	}
}
