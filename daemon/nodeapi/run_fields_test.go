package nodeapi

import (
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// TestHandlerRunFields: over HTTP (real Service and Manager, fake runtime, responses checked
// against daemon.yaml) a definition's ready patterns make a started server starting until its
// console shows one, its stop signal stops it, and a definition the daemon cannot run (bad
// regexp, unknown signal) is refused with 400.
func TestHandlerRunFields(t *testing.T) {
	s, fr := newTestService(t)
	api, _, _ := serviceClient(t, s)
	ctx := t.Context()

	bad := testDef("bad")
	bad.Ready = &[]string{"regex:(unclosed"}
	if r, err := api.CreateServerWithResponse(ctx, bad); err != nil || r.StatusCode() != 400 ||
		r.JSONDefault.Error.Code != daemonapi.DaemonErrorCodeErrInvalidDefinition || !strings.Contains(r.JSONDefault.Error.Msg, "ready[0]") {
		t.Fatalf("bad regexp: %v %s", err, r.Body)
	}
	raw, err := api.CreateServerWithBodyWithResponse(ctx, "application/json", strings.NewReader(
		`{"id":"bad2","name":"n","environment":"standard","startup":"x","limits":{},"stopSignal":"SIGKILL"}`))
	if err != nil || raw.StatusCode() != 400 {
		t.Fatalf("SIGKILL as stop signal: %v %s", err, raw.Body)
	}

	def := testDef("web1")
	def.StopCommand, def.StopSignal, def.Ready = nil, ptr(daemonapi.DefinitionStopSignalSIGINT), &[]string{"echo:go"}
	if r, err := api.CreateServerWithResponse(ctx, def); err != nil || r.StatusCode() != 204 {
		t.Fatalf("create: %v %s", err, r.Body)
	}
	m, err := s.manager()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := m.Get("web1"); err != nil || got.StopSignal != "SIGINT" || !slices.Equal(got.Ready, []string{"echo:go"}) {
		t.Fatalf("definition on the node: %+v, %v", got, err)
	}
	if r, err := api.PowerWithResponse(ctx, "web1", daemonapi.PowerRequest{Action: daemonapi.PowerRequestActionStart}); err != nil || r.StatusCode() != 204 {
		t.Fatalf("start: %v %s", err, r.Body)
	}
	if st, err := api.GetStatusWithResponse(ctx, "web1"); err != nil || st.JSON200 == nil || st.JSON200.State != daemonapi.StateStarting {
		t.Fatalf("status after start: %v %s", err, st.Body)
	}
	if r, err := api.SendCommandWithResponse(ctx, "web1", daemonapi.CommandRequest{Command: "go"}); err != nil || r.StatusCode() != 204 {
		t.Fatalf("command while starting: %v %s", err, r.Body)
	}
	waitState(t, s, "web1", daemonapi.StateRunning)
	if r, err := api.PowerWithResponse(ctx, "web1", daemonapi.PowerRequest{Action: daemonapi.PowerRequestActionStop}); err != nil || r.StatusCode() != 204 {
		t.Fatalf("stop: %v %s", err, r.Body)
	}
	waitState(t, s, "web1", daemonapi.StateStopped)
	if sigs := fr.Signals("web1"); !slices.Equal(sigs, []syscall.Signal{syscall.SIGINT}) {
		t.Fatalf("signals %v, want [SIGINT]", sigs)
	}
}
