package apispec

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestMiddleware runs the validator in front of a real HTTP server; every response the client
// gets is checked against the spec (checkingClient).
func TestMiddleware(t *testing.T) {
	spec := loadTiny(t, Options{RestParam: "path"})
	v := NewValidator(spec, ValidatorOptions{Codes: tinyCodes, MaxBody: 64,
		JSONAliases: []string{"application/vnd.tiny+json"}, EmptyObjectAsNone: true})
	mux := http.NewServeMux()
	mux.Handle("POST /things", echo(http.StatusCreated))
	mux.Handle("GET /things", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Count", "0")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("[]"))
	}))
	mux.Handle("PUT /things/{id}/blob", echo(http.StatusNoContent))
	mux.Handle("POST /ping", echo(http.StatusNoContent))
	mux.Handle("GET /things/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, NewError(http.StatusNotFound, "NoSuchThing", "no thing "+r.PathValue("id"), nil))
	}))
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, NewError(http.StatusNotFound, "NoSuchThing", "no route", nil))
	}))
	srv := httptest.NewServer(v.Middleware(mux))
	defer srv.Close()
	client, _ := checkingClient(t, spec)

	big := strings.Repeat("x", 1000)
	cases := []struct {
		name, method, path, ctype string
		body                      io.Reader
		chunked                   bool
		status                    int
		code, field               string
		gotBytes                  string
	}{
		{"valid json reaches handler", "POST", "/things", "application/json", strings.NewReader(`{"name":"a"}`), false, 201, "", "", "12"},
		{"vendor alias is json", "POST", "/things", "application/vnd.tiny+json; charset=utf-8", strings.NewReader(`{"name":"a"}`), false, 201, "", "", "12"},
		{"missing property", "POST", "/things", "application/json", strings.NewReader(`{"size":1}`), false, 400, "MissingField", "name", ""},
		{"unknown property", "POST", "/things", "application/json", strings.NewReader(`{"name":"a","x":1}`), false, 400, "BadField", "x", ""},
		{"nested value", "POST", "/things", "application/json", strings.NewReader(`{"name":"a","tags":[1]}`), false, 400, "BadField", "tags.0", ""},
		{"malformed json", "POST", "/things", "application/json", strings.NewReader(`{"name":`), false, 400, "BadField", "body", ""},
		{"missing body", "POST", "/things", "application/json", nil, false, 400, "MissingField", "body", ""},
		{"undeclared media type", "POST", "/things", "text/plain", strings.NewReader(`hi`), false, 415, "BadMedia", "", ""},
		{"malformed media type", "POST", "/things", "application/", strings.NewReader(`{}`), false, 415, "BadMedia", "", ""},
		{"body where none is declared", "POST", "/ping", "application/json", strings.NewReader(`{"a":1}`), false, 415, "BadMedia", "", ""},
		{"empty object where none is declared", "POST", "/ping", "application/json", strings.NewReader(`{}`), false, 204, "", "", "0"},
		{"declared length over limit", "POST", "/things", "application/json", strings.NewReader(big), false, 413, "TooBig", "", ""},
		{"chunked body over limit", "POST", "/things", "application/json", strings.NewReader(big), true, 413, "TooBig", "", ""},
		{"query out of range", "GET", "/things?limit=50", "", nil, false, 400, "BadField", "limit", ""},
		{"query malformed", "GET", "/things?limit=x", "", nil, false, 400, "BadField", "limit", ""},
		{"path pattern", "GET", "/things/ABC", "", nil, false, 400, "BadField", "id", ""},
		{"valid path reaches handler", "GET", "/things/abc", "", nil, false, 404, "NoSuchThing", "", ""},
		{"octet stream is streamed, not bounded", "PUT", "/things/a/blob", "application/octet-stream", strings.NewReader(big), false, 204, "", "", "1000"},
		{"tar is streamed, not bounded", "PUT", "/things/a/blob", "application/x-tar", strings.NewReader(big), true, 204, "", "", "1000"},
		{"binary media type still checked", "PUT", "/things/a/blob", "application/json", strings.NewReader(`{}`), false, 415, "BadMedia", "", ""},
		{"unknown route goes to next", "GET", "/nope", "", nil, false, 404, "NoSuchThing", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := c.body
			if c.chunked && body != nil {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			req, err := http.NewRequest(c.method, srv.URL+c.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if c.ctype != "" {
				req.Header.Set("Content-Type", c.ctype)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != c.status {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, c.status, b)
			}
			if c.gotBytes != "" && resp.Header.Get("X-Got-Bytes") != c.gotBytes {
				t.Fatalf("handler got %q bytes, want %s", resp.Header.Get("X-Got-Bytes"), c.gotBytes)
			}
			if c.code == "" {
				return
			}
			e := decodeEnvelope(t, resp)
			if e.Code != c.code {
				t.Fatalf("code = %s, want %s (%s)", e.Code, c.code, e.Msg)
			}
			if c.field != "" && e.Metadata["field"] != c.field {
				t.Fatalf("metadata.field = %v, want %s (%s)", e.Metadata["field"], c.field, e.Msg)
			}
		})
	}
}

// TestRefusedBodyClosesConnection: a body refused before it is read is not drained; the
// HTTP/1 connection is closed instead.
func TestRefusedBodyClosesConnection(t *testing.T) {
	spec := loadTiny(t, Options{})
	v := NewValidator(spec, ValidatorOptions{Codes: tinyCodes, MaxBody: 64})
	srv := httptest.NewServer(v.Middleware(echo(http.StatusCreated)))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/things", "text/plain", bytes.NewReader(make([]byte, 100)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType || !resp.Close {
		t.Fatalf("status %d, close %v; want 415 and a closed connection", resp.StatusCode, resp.Close)
	}
}

// TestCodesFallBack: codes left empty fall back to FieldInvalid.
func TestCodesFallBack(t *testing.T) {
	spec := loadTiny(t, Options{})
	v := NewValidator(spec, ValidatorOptions{Codes: Codes{FieldInvalid: "BadField"}, MaxBody: 8})
	srv := httptest.NewServer(v.Middleware(echo(http.StatusCreated)))
	defer srv.Close()
	client, _ := checkingClient(t, spec)
	for _, c := range []struct{ ctype, body string }{
		{"text/plain", "x"},                              // 415
		{"application/json", `{"size":1}`},               // missing
		{"application/json", `{"name":"aaaaaaaaaaaaa"}`}, // 413
	} {
		resp, err := client.Post(srv.URL+"/things", c.ctype, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		if e := decodeEnvelope(t, resp); e.Code != "BadField" {
			t.Errorf("%s %s: code %s, want BadField", c.ctype, c.body, e.Code)
		}
	}
}
