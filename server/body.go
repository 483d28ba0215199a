package server

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Request bodies. Which media types an operation accepts comes from its requestBody in the
// spec; the decision is made from the headers alone, before anything reads the body. JSON and
// form bodies are then read whole within a limit (so validation and handlers see a bounded
// buffer); octet-stream bodies, accepted only where the spec declares them, are streamed to
// the handler unread.

const (
	mediaJSON        = "application/json"
	mediaOctetStream = "application/octet-stream"
	// maxEchoedType bounds how much of a refused Content-Type the error repeats.
	maxEchoedType = 100
)

// bodyKind is how the middleware treats a request's body.
type bodyKind int

const (
	bodyNone     bodyKind = iota // no body (Content-Length 0)
	bodyBuffered                 // JSON or form: read within the limit before validation
	bodyStreamed                 // octet-stream: handed to the handler unread
)

// hasBody reports whether the request carries a body; a chunked one (ContentLength -1) does.
func hasBody(r *http.Request) bool { return r.ContentLength != 0 }

// admitBody decides, from the headers only, whether the operation accepts the request's body:
// a body where the operation declares none, a Content-Type it does not declare (parameters
// such as charset are ignored; application/vnd.aether.v1+json counts as application/json), a
// missing or malformed one → 415 ErrUnsupportedMediaType. The vendor type is rewritten to
// application/json for the validator.
func admitBody(r *http.Request, op *Operation) (bodyKind, error) {
	if !hasBody(r) {
		return bodyNone, nil
	}
	values := r.Header.Values("Content-Type")
	sent := strings.Join(values, ", ")
	if len(op.BodyTypes) == 0 {
		if emptyJSONObject(r) { // body_empty.go: the docs' Node.js client posts {}
			return bodyNone, nil
		}
		return bodyNone, errUnsupportedMediaType(sent, op.BodyTypes, "this operation takes no request body")
	}
	if len(values) != 1 {
		return bodyNone, errUnsupportedMediaType(sent, op.BodyTypes, "send exactly one Content-Type header")
	}
	mt, params, err := mime.ParseMediaType(values[0])
	if err != nil {
		return bodyNone, errUnsupportedMediaType(sent, op.BodyTypes, "malformed Content-Type")
	}
	if mt == vendorJSON {
		mt = mediaJSON
		r.Header.Set("Content-Type", mime.FormatMediaType(mt, params))
	}
	if !slices.Contains(op.BodyTypes, mt) {
		return bodyNone, errUnsupportedMediaType(sent, op.BodyTypes, "")
	}
	if mt == mediaOctetStream {
		return bodyStreamed, nil
	}
	return bodyBuffered, nil
}

// errUnsupportedMediaType is the 415 envelope; metadata names what was sent and what the
// operation accepts.
func errUnsupportedMediaType(sent string, accepted []string, why string) *APIError {
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
	return newAPIError(http.StatusUnsupportedMediaType, CodeUnsupportedMediaType, msg,
		map[string]any{"contentType": sent, "accepted": accepted})
}

// errPayloadTooLarge is the 413 envelope of a body over limit bytes.
func errPayloadTooLarge(limit int64) *APIError {
	return newAPIError(http.StatusRequestEntityTooLarge, CodePayloadTooLarge,
		fmt.Sprintf("request body larger than %d bytes", limit), map[string]any{"limit": limit})
}

// bodyLimit is the largest JSON or form body the operation reads: Config.MaxTokenBodyBytes for
// the OAuth2 endpoints, Config.MaxBodyBytes elsewhere.
func (a *App) bodyLimit(op *Operation) int64 {
	if strings.HasPrefix(op.Path, "/oauth2/") {
		return a.cfg.MaxTokenBodyBytes
	}
	return a.cfg.MaxBodyBytes
}

// bufferBody reads the whole body, at most limit bytes (a declared larger Content-Length is
// refused without reading) and within timeout (0: none), and replaces it with the buffer:
// validation and handlers never read the connection. Over the limit → 413
// ErrPayloadTooLarge; a body that fails or stalls → 400.
func bufferBody(w http.ResponseWriter, r *http.Request, limit int64, timeout time.Duration) error {
	if r.ContentLength > limit {
		return errPayloadTooLarge(limit)
	}
	if timeout > 0 {
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(timeout)) == nil {
			defer func() { _ = rc.SetReadDeadline(time.Time{}) }()
		}
	}
	var buf bytes.Buffer
	// The declared length is a claim: memory grows with what arrives, not with what is announced.
	buf.Grow(int(min(max(r.ContentLength, 0), 32<<10)))
	n, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return newAPIError(http.StatusBadRequest, CodeFieldInvalid, "the request body could not be read",
			map[string]any{"field": "body"})
	}
	if n > limit {
		return errPayloadTooLarge(limit)
	}
	data := buf.Bytes()
	r.Body = io.NopCloser(bytes.NewReader(data))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	r.ContentLength = n
	return nil
}

// refuseUnread marks the response of a request refused before its body was read to close the
// HTTP/1 connection, so the server neither drains nor parses what the client is still sending.
// HTTP/2 resets the stream by itself.
func refuseUnread(c *gin.Context) {
	if hasBody(c.Request) && c.Request.ProtoMajor == 1 {
		c.Header("Connection", "close")
	}
}
