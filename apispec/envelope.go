package apispec

import (
	"encoding/json"
	"net/http"
)

// Codes are the envelope codes the validator uses; the panel's and the daemon's enums differ.
// FieldInvalid is required; an empty code falls back to FieldInvalid.
type Codes struct {
	FieldInvalid         string // 400: a value does not match the spec
	FieldRequired        string // 400: a required parameter, body or property is missing
	UnsupportedMediaType string // 415: a Content-Type the operation does not declare
	PayloadTooLarge      string // 413: a JSON or form body over the limit
}

func (c Codes) or(code string) string {
	if code == "" {
		return c.FieldInvalid
	}
	return code
}

// Envelope is the JSON error body: {"error":{"code","msg","metadata"}}.
type Envelope struct {
	Error EnvelopeBody `json:"error"`
}

// EnvelopeBody is the inside of an Envelope.
type EnvelopeBody struct {
	Code     string         `json:"code"`
	Msg      string         `json:"msg"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// WriteError writes e as the envelope with its status. Cause is not sent.
func WriteError(w http.ResponseWriter, e *Error) {
	body, err := json.Marshal(Envelope{Error: EnvelopeBody{Code: e.Code, Msg: e.Msg, Metadata: e.Metadata}})
	if err != nil { // metadata that does not marshal: send the envelope without it
		body, _ = json.Marshal(Envelope{Error: EnvelopeBody{Code: e.Code, Msg: e.Msg}})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Del("Content-Length")
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}
