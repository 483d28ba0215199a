package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/server/store"
)

// TestPassword is the password of every user made by NewUser.
const TestPassword = "correct-horse-7battery"

var (
	hashOnce sync.Once
	hash     string
	hashErr  error
	portSeq  atomic.Int32
)

// passwordHash hashes TestPassword once per test binary (argon2id costs ~20 ms and 19 MiB).
func passwordHash(t testing.TB) string {
	hashOnce.Do(func() { hash, hashErr = store.HashPassword(TestPassword) })
	if hashErr != nil {
		t.Fatalf("hash password: %v", hashErr)
	}
	return hash
}

// NewUser creates a user directly in the database (password TestPassword, email
// <username>@example.com, characters an address cannot hold written =XX) with the given
// scopes and returns its id. The username is not checked: tests may store names the API
// refuses, e.g. with % or [.
func (e *Env) NewUser(t testing.TB, username string, admin bool, scopes []string) int {
	t.Helper()
	if scopes == nil {
		scopes = []string{}
	}
	u, err := e.Store.Client.User.Create().SetUsername(username).SetEmail(emailLocal(username) + "@example.com").
		SetPasswordHash(passwordHash(t)).SetAdmin(admin).SetScopes(scopes).Save(context.Background())
	if err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	return u.ID
}

// NewClient creates an OAuth2 client of a user through the provider and returns its id and
// secret.
func (e *Env) NewClient(t testing.TB, userID int, scopes ...string) (id, secret string) {
	t.Helper()
	if scopes == nil {
		scopes = []string{}
	}
	id, secret, err := e.OAuth.CreateClient(context.Background(), userID, "test client", scopes)
	if err != nil {
		t.Fatalf("create client of user %d with %v: %v", userID, scopes, err)
	}
	return id, secret
}

// UserToken creates a user with scopes, a client holding all of them, and returns a token and
// the user's id.
func (e *Env) UserToken(t testing.TB, username string, admin bool, scopes ...string) (token string, userID int) {
	t.Helper()
	userID = e.NewUser(t, username, admin, scopes)
	id, secret := e.NewClient(t, userID, scopes...)
	return e.Token(t, id, secret), userID
}

// AdminToken returns a fresh token of the bootstrap admin client.
func (e *Env) AdminToken(t testing.TB) string {
	t.Helper()
	return e.Token(t, e.AdminClientID, e.AdminClientSecret)
}

// Token obtains an access token with the client credentials grant over HTTP (POST
// /oauth2/token, credentials in the form body); scopes narrow the grant when given.
func (e *Env) Token(t testing.TB, clientID, secret string, scopes ...string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	r := e.Do(t, http.MethodPost, "/oauth2/token", "", strings.NewReader(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if r.Status != http.StatusOK {
		t.Fatalf("token for %s: %d %s", clientID, r.Status, r.Body)
	}
	var tok api.OAuth2TokenResponse
	r.JSON(t, &tok)
	return tok.AccessToken
}

// Client is the generated API client with the validating transport, sending token (if not
// empty) as the bearer token.
func (e *Env) Client(t testing.TB, token string) *api.ClientWithResponses {
	t.Helper()
	c, err := api.NewClientWithResponses(e.URL, api.WithHTTPClient(e.Raw(t)),
		api.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			return nil
		}))
	if err != nil {
		t.Fatalf("api client: %v", err)
	}
	return c
}

// Raw is an http.Client whose every response is validated against openapi.yaml (for
// malformed input the generated client cannot send). It never follows redirects.
func (e *Env) Raw(t testing.TB) *http.Client {
	return &http.Client{Transport: NewTransport(t, nil),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Response is a buffered HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends one request through the validating transport. body may be nil; a JSON body gets
// Content-Type application/json unless header says otherwise.
func (e *Env) Do(t testing.TB, method, path, token string, body io.Reader, header http.Header) *Response {
	t.Helper()
	var buf []byte
	if body != nil {
		var err error
		if buf, err = io.ReadAll(body); err != nil {
			t.Fatalf("read body: %v", err)
		}
	}
	var rd io.Reader
	if buf != nil {
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		t.Fatalf("request %s %s: %v", method, path, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if buf != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.Raw(t).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: out}
}

// DoJSON is Do with v marshalled as the JSON body (nil: no body).
func (e *Env) DoJSON(t testing.TB, method, path, token string, v any) *Response {
	t.Helper()
	if v == nil {
		return e.Do(t, method, path, token, nil, nil)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return e.Do(t, method, path, token, bytes.NewReader(b), nil)
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %d body %q: %v", r.Status, r.Body, err)
	}
}

// Error decodes the error envelope, failing the test when the body is not one.
func (r *Response) Error(t testing.TB) api.ErrorDetail {
	t.Helper()
	var env api.Error
	if err := json.Unmarshal(r.Body, &env); err != nil || env.Error.Code == "" {
		t.Fatalf("status %d: body is not an error envelope: %s", r.Status, r.Body)
	}
	return env.Error
}

// ExpectError asserts the status and the envelope's code and returns the envelope.
func (r *Response) ExpectError(t testing.TB, status int, code string) api.ErrorDetail {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d (%s); body %s", r.Status, status, code, r.Body)
	}
	d := r.Error(t)
	if string(d.Code) != code {
		t.Fatalf("code = %s, want %s; body %s", d.Code, code, r.Body)
	}
	return d
}

// NewServerRow inserts a server definition directly in the database (no node involved) and
// returns its id; each call uses a new port.
func (e *Env) NewServerRow(t testing.TB, ownerID, nodeID int, name string) string {
	t.Helper()
	s, err := e.Store.Client.Server.Create().SetName(name).SetOwnerID(ownerID).SetNodeID(nodeID).
		SetPort(int(20000 + portSeq.Add(1))).Save(context.Background())
	if err != nil {
		t.Fatalf("create server row: %v", err)
	}
	return s.ID
}

// emailLocal makes a username a valid local part (RFC 5322 atext and dots).
func emailLocal(username string) string {
	var b strings.Builder
	for _, r := range username {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", r)) {
			b.WriteRune(r)
			continue
		}
		fmt.Fprintf(&b, "=%02X", r)
	}
	return b.String()
}
