package server_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	skypanel "github.com/skypanel/skypanel"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// rawBody is an http.RoundTripper over a fresh TCP connection that writes the request head
// itself. With send nil it announces a body (Content-Length: declared, or chunked when declared
// is -1) and never sends a byte of it: a server that tried to read the body would wait, so an
// answer proves nothing read it (the connection deadline only bounds a failing test). With
// send set it sends that body (chunked when declared is -1), and with stall only its first
// chunk, never ending it.
type rawBody struct {
	declared int64
	send     []byte
	stall    bool
}

func (rb rawBody) RoundTrip(req *http.Request) (*http.Response, error) {
	conn, err := net.Dial("tcp", req.URL.Host)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	var head bytes.Buffer
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\n", req.Method, req.URL.RequestURI(), req.URL.Host)
	_ = req.Header.Write(&head)
	if rb.declared < 0 {
		head.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		if len(rb.send) > 0 {
			fmt.Fprintf(&head, "%x\r\n%s\r\n", len(rb.send), rb.send)
		}
		if rb.send != nil && !rb.stall {
			head.WriteString("0\r\n\r\n")
		}
	} else {
		fmt.Fprintf(&head, "Content-Length: %d\r\n\r\n%s", rb.declared, rb.send)
	}
	// The server may answer and close before taking everything: a write error is not the answer.
	_, _ = conn.Write(head.Bytes())
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// rawResponse is a response and whether the server closes the connection after it.
type rawResponse struct {
	*apitest.Response
	closed bool // Connection: close (net/http moves it from the header to Response.Close)
}

// doRaw sends one request through rawBody and the validating transport.
func doRaw(t *testing.T, env *apitest.Env, rb rawBody, method, path, token string, h http.Header) rawResponse {
	t.Helper()
	req, err := http.NewRequest(method, env.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := apitest.NewTransport(t, rb).RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	return rawResponse{&apitest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, resp.Close}
}

func expectClosed(t *testing.T, r rawResponse) {
	t.Helper()
	if !r.closed {
		t.Errorf("the response does not close the connection (Connection: close); a body was left unread")
	}
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// specPath fills every path parameter of an operation with "1".
func specPath(op *server.Operation) string { return pathParam.ReplaceAllString(op.Path, "1") }

// TestBodyMediaTypeRefusedUnread, for every operation of the spec, with and without a token:
// a body of a media type the operation does not declare (octet-stream where JSON or a form is
// declared, text/plain where octet-stream is, JSON where no body is) is refused with 415
// before a byte of it is read, and the connection is closed.
func TestBodyMediaTypeRefusedUnread(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	c, err := server.LoadContract(context.Background(), skypanel.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range c.Operations() {
		sent := "application/octet-stream"
		switch {
		case len(op.BodyTypes) == 0:
			sent = "application/json"
		case slices.Contains(op.BodyTypes, sent):
			sent = "text/plain"
		}
		for _, tok := range []string{"", admin} {
			t.Run(fmt.Sprintf("%s token=%v", op.ID, tok != ""), func(t *testing.T) {
				r := doRaw(t, env, rawBody{declared: -1}, op.Method, specPath(op), tok,
					http.Header{"Content-Type": {sent}})
				d := r.ExpectError(t, http.StatusUnsupportedMediaType, server.CodeUnsupportedMediaType)
				expectClosed(t, r)
				if d.Metadata == nil || fmt.Sprint((*d.Metadata)["contentType"]) != sent {
					t.Errorf("metadata = %v, want contentType %s", d.Metadata, sent)
				}
				if got := fmt.Sprint((*d.Metadata)["accepted"]); got != fmt.Sprint(op.BodyTypes) && !(len(op.BodyTypes) == 0 && got == "[]") {
					t.Errorf("metadata.accepted = %s, want %v", got, op.BodyTypes)
				}
			})
		}
	}
}

// TestBodyRefusedUnread: requests refused before their body is wanted never read it and close
// the connection: unauthenticated, over a declared length, on no route or a wrong method.
func TestBodyRefusedUnread(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	formCT := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	cases := []struct {
		name, method, path, token string
		declared                  int64
		h                         http.Header
		status                    int
		code                      string
	}{
		{"JSON route without a token", http.MethodPut, "/api/servers/HOLD0001", "", -1, jsonCT, 401, server.CodeUnauthorized},
		{"JSON route with a bad token", http.MethodPut, "/api/servers/HOLD0001", "nope", -1, jsonCT, 401, server.CodeUnauthorized},
		{"JSON over the declared limit", http.MethodPut, "/api/settings", admin, 1<<20 + 1, jsonCT, 413, server.CodePayloadTooLarge},
		{"token form over the declared limit", http.MethodPost, "/oauth2/token", "", 64<<10 + 1, formCT, 413, server.CodePayloadTooLarge},
		{"introspection form over the declared limit", http.MethodPost, "/oauth2/introspect", admin, 64<<10 + 1, formCT, 413, server.CodePayloadTooLarge},
		{"octet-stream to the token endpoint", http.MethodPost, "/oauth2/token", "", -1,
			http.Header{"Content-Type": {"application/octet-stream"}}, 415, server.CodeUnsupportedMediaType},
		{"JSON body without Content-Type", http.MethodPut, "/api/settings", admin, -1, http.Header{}, 415, server.CodeUnsupportedMediaType},
		{"malformed Content-Type", http.MethodPut, "/api/settings", admin, -1,
			http.Header{"Content-Type": {"application/json; ="}}, 415, server.CodeUnsupportedMediaType},
		{"two Content-Types", http.MethodPut, "/api/settings", admin, -1,
			http.Header{"Content-Type": {"application/json", "application/json"}}, 415, server.CodeUnsupportedMediaType},
		{"no route", http.MethodPost, "/api/nothing-here", "", -1, jsonCT, 404, server.CodeNotFound},
		{"wrong method", http.MethodPatch, "/api/users", "", -1, jsonCT, 405, server.CodeMethodNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := doRaw(t, env, rawBody{declared: tc.declared}, tc.method, tc.path, tc.token, tc.h)
			r.ExpectError(t, tc.status, tc.code)
			expectClosed(t, r)
		})
	}
}

// TestBodyLimitsRead: bodies that are read stop at their limit (chunked or not), the OAuth2
// endpoints at 64 KiB; accepted variants of the media types get through.
func TestBodyLimitsRead(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {env.AdminClientID},
		"client_secret": {env.AdminClientSecret}}
	formCT := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	padded := func(n int) []byte { // the admin's credentials padded to n bytes
		b := form.Encode() + "&pad="
		return []byte(b + strings.Repeat("p", n-len(b)))
	}
	t.Run("chunked JSON over the limit", func(t *testing.T) {
		big := []byte(`{"companyName":"` + strings.Repeat("a", 1<<20) + `"}`)
		r := doRaw(t, env, rawBody{declared: -1, send: big}, http.MethodPut, "/api/settings", admin,
			http.Header{"Content-Type": {"application/json"}})
		r.ExpectError(t, http.StatusRequestEntityTooLarge, server.CodePayloadTooLarge)
		expectClosed(t, r)
	})
	t.Run("token form over 64 KiB", func(t *testing.T) {
		for _, declared := range []int64{64<<10 + 1, -1} {
			r := doRaw(t, env, rawBody{declared: declared, send: padded(64<<10 + 1)}, http.MethodPost, "/oauth2/token", "", formCT)
			r.ExpectError(t, http.StatusRequestEntityTooLarge, server.CodePayloadTooLarge)
		}
	})
	t.Run("token form of exactly 64 KiB", func(t *testing.T) {
		r := env.Do(t, http.MethodPost, "/oauth2/token", "", bytes.NewReader(padded(64<<10)), formCT)
		if r.Status != http.StatusOK {
			t.Errorf("status %d: %s", r.Status, r.Body)
		}
	})
	t.Run("chunked token form", func(t *testing.T) {
		r := doRaw(t, env, rawBody{declared: -1, send: []byte(form.Encode())}, http.MethodPost, "/oauth2/token", "", formCT)
		if r.Status != http.StatusOK {
			t.Errorf("status %d: %s", r.Status, r.Body)
		}
	})
	for _, ct := range []string{"application/vnd.aether.v1+json; charset=utf-8", "Application/JSON; charset=UTF-8", "application/vnd.aether.v1+json"} {
		t.Run("Content-Type "+ct, func(t *testing.T) {
			r := env.Do(t, http.MethodPut, "/api/settings", admin, strings.NewReader(`{"companyName":"Media"}`),
				http.Header{"Content-Type": {ct}})
			if r.Status != http.StatusNoContent {
				t.Errorf("status %d: %s", r.Status, r.Body)
			}
		})
	}
	t.Run("empty chunked body is no body", func(t *testing.T) {
		r := doRaw(t, env, rawBody{declared: -1, send: []byte{}}, http.MethodPut, "/api/settings", admin,
			http.Header{"Content-Type": {"application/json"}})
		r.ExpectError(t, http.StatusBadRequest, server.CodeFieldRequired)
	})
}

// TestBodyReadTimeout: a JSON body that stops arriving is given up after
// Config.BodyReadTimeout with 400 naming the body, and the connection is closed.
func TestBodyReadTimeout(t *testing.T) {
	env := apitest.Start(t, apitest.WithConfig(func(c *server.Config) { c.BodyReadTimeout = 100 * time.Millisecond }))
	admin := env.AdminToken(t)
	for _, declared := range []int64{100, -1} {
		r := doRaw(t, env, rawBody{declared: declared, send: []byte(`{"companyName":`), stall: true}, http.MethodPut,
			"/api/settings", admin, http.Header{"Content-Type": {"application/json"}})
		d := r.ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
		if d.Metadata == nil || (*d.Metadata)["field"] != "body" {
			t.Errorf("metadata = %v, want field body", d.Metadata)
		}
		expectClosed(t, r)
	}
}
