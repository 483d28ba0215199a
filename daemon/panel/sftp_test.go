package panel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/skypanel/skypanel/daemon/sftp"
)

// sftpPanel answers sftpAuth and sftpCheck like the panel would: alice owns ABC12345 with the
// password "pw" or her key (id 3), read-write; "locked" logins are locked out; a request with
// username "boom" gets a 500. Every answer is validated against openapi.yaml before it is sent.
type sftpPanel struct {
	*fakePanel
	bodies   []map[string]any // request bodies received
	readOnly bool             // the grant's readOnly from now on
	revoked  bool             // the check answers 403
}

const aliceKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice"

func newSFTPPanel(t *testing.T) *sftpPanel {
	p := &sftpPanel{fakePanel: newFakePanel(t)}
	p.ops = map[string]func(http.ResponseWriter, *http.Request, *openapi3filter.RequestValidationInput){
		"sftpAuth": p.auth, "sftpCheck": p.check}
	return p
}

func (p *sftpPanel) auth(w http.ResponseWriter, r *http.Request, in *openapi3filter.RequestValidationInput) {
	body, ok := p.decode(w, r, in)
	if !ok {
		return
	}
	switch {
	case body["username"] == "boom":
		p.reply(w, in, http.StatusInternalServerError, nil, map[string]any{"error": map[string]any{"code": "ErrInternal", "msg": "internal error"}})
	case body["username"] == "locked":
		p.reply(w, in, http.StatusTooManyRequests, map[string]string{"Retry-After": "42"},
			map[string]any{"error": map[string]any{"code": "ErrRateLimited", "msg": "too many requests"}})
	case body["username"] == "alice.ABC12345" && body["password"] == "pw":
		p.reply(w, in, http.StatusOK, nil, p.grant(0))
	case body["username"] == "alice.ABC12345" && body["publicKey"] == aliceKey:
		p.reply(w, in, http.StatusOK, nil, p.grant(3))
	default:
		p.deny(w, in)
	}
}

func (p *sftpPanel) check(w http.ResponseWriter, r *http.Request, in *openapi3filter.RequestValidationInput) {
	body, ok := p.decode(w, r, in)
	if !ok {
		return
	}
	if p.revoked || body["userId"] != float64(5) || body["serverId"] != "ABC12345" {
		p.deny(w, in)
		return
	}
	key, _ := body["keyId"].(float64)
	p.reply(w, in, http.StatusOK, nil, p.grant(int64(key)))
}

func (p *sftpPanel) grant(keyID int64) map[string]any {
	g := map[string]any{"userId": 5, "username": "alice", "serverId": "ABC12345", "readOnly": p.readOnly}
	if keyID > 0 {
		g["keyId"] = keyID
	}
	return g
}

func (p *sftpPanel) deny(w http.ResponseWriter, in *openapi3filter.RequestValidationInput) {
	p.reply(w, in, http.StatusForbidden, nil, map[string]any{"error": map[string]any{"code": "ErrPermissionDenied", "msg": "permission denied"}})
}

// decode checks the node's token (401 when refused) and reads the body.
func (p *sftpPanel) decode(w http.ResponseWriter, r *http.Request, in *openapi3filter.RequestValidationInput) (map[string]any, bool) {
	tok, _ := bytes.CutPrefix([]byte(r.Header.Get("Authorization")), []byte("Bearer "))
	p.mu.Lock()
	ok := p.valid[string(tok)]
	p.mu.Unlock()
	if !ok || in.PathParams["id"] != "7" {
		p.reply(w, in, http.StatusUnauthorized, map[string]string{"WWW-Authenticate": "Bearer"},
			map[string]any{"error": map[string]any{"code": "ErrUnauthorized", "msg": "bad token"}})
		return nil, false
	}
	var body map[string]any
	raw, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		p.t.Errorf("body: %v", err)
	}
	p.mu.Lock()
	p.bodies = append(p.bodies, body)
	p.mu.Unlock()
	return body, true
}

// reply validates the answer against openapi.yaml and sends it.
func (p *sftpPanel) reply(w http.ResponseWriter, in *openapi3filter.RequestValidationInput, status int, hdr map[string]string, body any) {
	raw, _ := json.Marshal(body)
	h := http.Header{"Content-Type": {"application/json"}, "X-Api-Version": {"v1"}}
	for k, v := range hdr {
		h.Set(k, v)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: h,
		Body: io.NopCloser(bytes.NewReader(raw)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		p.t.Errorf("fake panel answer %d does not match openapi.yaml: %v", status, err)
	}
	for k, v := range h {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

func TestSFTPAuthenticate(t *testing.T) {
	p := newSFTPPanel(t)
	a := newTestClient(t, p.fakePanel, &testClock{now: time.Now()}, nil).SFTP()
	ctx := context.Background()
	g, err := a.Authenticate(ctx, sftp.Login{Username: "alice.ABC12345", Password: "pw", RemoteIP: "192.0.2.9"})
	want := sftp.Grant{UserID: 5, Username: "alice", ServerID: "ABC12345"}
	if err != nil || g != want {
		t.Fatalf("password login: %+v, %v; want %+v", g, err, want)
	}
	if b := p.bodies[0]; b["remoteIp"] != "192.0.2.9" || b["password"] != "pw" || b["publicKey"] != nil {
		t.Errorf("request body %v", b)
	}
	g, err = a.Authenticate(ctx, sftp.Login{Username: "alice.ABC12345", PublicKey: aliceKey, RemoteIP: "::1"})
	if want.KeyID = 3; err != nil || g != want {
		t.Fatalf("key login: %+v, %v; want %+v", g, err, want)
	}
	if b := p.bodies[1]; b["publicKey"] != aliceKey || b["password"] != nil {
		t.Errorf("request body %v", b)
	}
	if n := p.issued.Load(); n != 1 {
		t.Errorf("%d tokens issued for two logins, want 1 (cached)", n)
	}
}

func TestSFTPAuthenticateRefusals(t *testing.T) {
	p := newSFTPPanel(t)
	a := newTestClient(t, p.fakePanel, &testClock{now: time.Now()}, nil).SFTP()
	ctx := context.Background()
	_, err := a.Authenticate(ctx, sftp.Login{Username: "alice.ABC12345", Password: "wrong", RemoteIP: "127.0.0.1"})
	if !errors.Is(err, sftp.ErrDenied) || errors.Is(err, sftp.ErrLocked) {
		t.Errorf("wrong password: %v, want ErrDenied", err)
	}
	_, err = a.Authenticate(ctx, sftp.Login{Username: "locked", Password: "pw", RemoteIP: "127.0.0.1"})
	var locked *sftp.LockedError
	if !errors.As(err, &locked) || locked.RetryAfter != 42*time.Second || !errors.Is(err, sftp.ErrLocked) {
		t.Errorf("locked out: %v, want a LockedError of 42 s", err)
	}
	_, err = a.Authenticate(ctx, sftp.Login{Username: "boom", Password: "pw", RemoteIP: "127.0.0.1"})
	if !errors.Is(err, ErrPanelUnavailable) || errors.Is(err, sftp.ErrDenied) {
		t.Errorf("panel 500: %v, want ErrPanelUnavailable", err)
	}
	p.revokeAll() // the panel forgot the node's token: a new one is fetched, the login goes on
	if _, err := a.Authenticate(ctx, sftp.Login{Username: "alice.ABC12345", Password: "pw", RemoteIP: "127.0.0.1"}); err != nil {
		t.Errorf("login after the token was revoked: %v", err)
	}
	if n := p.issued.Load(); n != 2 {
		t.Errorf("tokens issued %d, want 2", n)
	}
	p.srv.Close()
	_, err = a.Authenticate(ctx, sftp.Login{Username: "alice.ABC12345", Password: "pw", RemoteIP: "127.0.0.1"})
	if !errors.Is(err, ErrPanelUnavailable) || errors.Is(err, sftp.ErrDenied) {
		t.Errorf("panel gone: %v, want ErrPanelUnavailable", err)
	}
}

func TestSFTPCheck(t *testing.T) {
	p := newSFTPPanel(t)
	a := newTestClient(t, p.fakePanel, &testClock{now: time.Now()}, nil).SFTP()
	ctx := context.Background()
	open := sftp.Grant{UserID: 5, Username: "alice", ServerID: "ABC12345", KeyID: 3}
	if g, err := a.Check(ctx, open); err != nil || g != open {
		t.Fatalf("check: %+v, %v", g, err)
	}
	if b := p.bodies[0]; b["keyId"] != float64(3) || b["userId"] != float64(5) {
		t.Errorf("request body %v", b)
	}
	p.readOnly = true
	pw := sftp.Grant{UserID: 5, Username: "alice", ServerID: "ABC12345"}
	g, err := a.Check(ctx, pw)
	if err != nil || !g.ReadOnly {
		t.Errorf("check after losing server.files.edit: %+v, %v; want readOnly", g, err)
	}
	if _, has := p.bodies[1]["keyId"]; has {
		t.Errorf("password session sent a keyId: %v", p.bodies[1])
	}
	p.revoked = true
	if _, err := a.Check(ctx, pw); !errors.Is(err, sftp.ErrDenied) {
		t.Errorf("revoked: %v, want ErrDenied", err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"17": 17 * time.Second, "": DefaultLockout, "x": DefaultLockout, "0": DefaultLockout,
		now.Add(30 * time.Second).Format(http.TimeFormat): 30 * time.Second,
	} {
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(%q) = %s, want %s", h, got, want)
		}
	}
}
