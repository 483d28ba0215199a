package nodeapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// A server moves between two Services served by Handler over real HTTP, brokered the way the
// panel does it: the export's body is streamed into the import's request (nothing buffered)
// and the trailer's sha256 is compared with the import's answer afterwards.
func TestServiceTransferOverHTTP(t *testing.T) {
	a, _ := newTestService(t)
	b, _ := newTestService(t)
	ctx := t.Context()
	xferMust(t, a.CreateServer(ctx, testDef("mv")))
	xferMust(t, a.WriteFile(ctx, "mv", "world/level.dat", strings.NewReader("level"), 5))
	xferMust(t, b.CreateServer(ctx, testDef("mv")))
	srvA := httptest.NewServer(Handler(a, HandlerOptions{NoAuth: true}))
	defer srvA.Close()
	srvB := httptest.NewServer(Handler(b, HandlerOptions{NoAuth: true}))
	defer srvB.Close()

	xferMust(t, a.Power(ctx, "mv", daemonapi.PowerRequestActionStart))
	resp, err := http.Get(srvA.URL + "/v1/servers/mv/archive")
	xferMust(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict || !strings.Contains(string(body), "ErrInvalidState") {
		t.Fatalf("export of a running server: %d %s", resp.StatusCode, body)
	}
	xferMust(t, a.Power(ctx, "mv", daemonapi.PowerRequestActionStop))
	waitState(t, a, "mv", daemonapi.StateStopped)

	exp, err := http.Get(srvA.URL + "/v1/servers/mv/archive")
	xferMust(t, err)
	defer exp.Body.Close()
	if exp.StatusCode != http.StatusOK {
		t.Fatalf("export: %d", exp.StatusCode)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, srvB.URL+"/v1/servers/mv/archive", struct{ io.Reader }{exp.Body}) // the client must not close it: the trailer follows EOF
	xferMust(t, err)
	req.Header.Set("Content-Type", "application/x-tar")
	imp, err := http.DefaultClient.Do(req)
	xferMust(t, err)
	defer imp.Body.Close()
	var res daemonapi.ImportResult
	if imp.StatusCode != http.StatusOK || json.NewDecoder(imp.Body).Decode(&res) != nil {
		t.Fatalf("import: %d", imp.StatusCode)
	}
	if _, err := io.Copy(io.Discard, exp.Body); err != nil { // the trailer comes after EOF
		t.Fatal(err)
	}
	if sum := exp.Trailer.Get(TrailerArchiveSHA256); sum == "" || sum != res.Sha256 {
		t.Fatalf("export trailer %q, import sha %q", sum, res.Sha256)
	}
	if got := xferRead(t, b, "mv", "world/level.dat"); got != "level" {
		t.Fatalf("level.dat on the target = %q", got)
	}
}

// noticeServer writes the panel's line to the console; an empty text is refused.
func TestHandlerNotice(t *testing.T) {
	a, _ := newTestService(t)
	xferMust(t, a.CreateServer(t.Context(), testDef("nt")))
	srv := httptest.NewServer(Handler(a, HandlerOptions{NoAuth: true}))
	defer srv.Close()
	post := func(body string) int {
		resp, err := http.Post(srv.URL+"/v1/servers/nt/notice", "application/json", strings.NewReader(body))
		xferMust(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(`{"text":"Transfer to node 2 failed: boom"}`); code != http.StatusNoContent {
		t.Fatalf("notice: %d", code)
	}
	if !xferConsoleHas(t, a, "nt", "Transfer to node 2 failed: boom") {
		t.Fatal("the notice is not on the console")
	}
	if code := post(`{"text":""}`); code != http.StatusBadRequest {
		t.Fatalf("empty notice: %d; want 400", code)
	}
}
