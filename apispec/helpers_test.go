package apispec

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"
)

// tinyCodes are the codes of testdata/tiny.yaml's enum.
var tinyCodes = Codes{FieldInvalid: "BadField", FieldRequired: "MissingField",
	UnsupportedMediaType: "BadMedia", PayloadTooLarge: "TooBig"}

func loadTiny(t *testing.T, opts Options) *Spec {
	t.Helper()
	data, err := os.ReadFile("testdata/tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(context.Background(), data, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkingClient is an http.Client whose every response is checked against spec.
func checkingClient(t *testing.T, spec *Spec) (*http.Client, *Transport) {
	tr := NewTransport(spec, nil, func(err error) { t.Errorf("spec mismatch: %v", err) })
	return &http.Client{Transport: tr}, tr
}

// decodeEnvelope reads an error envelope.
func decodeEnvelope(t *testing.T, resp *http.Response) EnvelopeBody {
	t.Helper()
	defer resp.Body.Close()
	var e Envelope
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatalf("decode envelope: %v", err)
	}
	return e.Error
}

// echo answers what the validated request carried: the body length in X-Got-Bytes, and the
// operation's declared success status.
func echo(status int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Got-Bytes", itoa(n))
		w.WriteHeader(status)
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
