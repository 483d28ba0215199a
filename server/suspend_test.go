package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/skypanel/skypanel"
	"github.com/skypanel/skypanel/ent"
)

// TestSuspendedModesFromSpec: the x-suspended marks are read from openapi.yaml, and every
// operation on a server that may refuse a suspended one documents the 409.
func TestSuspendedModesFromSpec(t *testing.T) {
	c, err := LoadContract(context.Background(), skypanel.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]SuspendedMode{"getServer": SuspendedAllow, "getServerStatus": SuspendedAllow,
		"suspendServer": SuspendedAllow, "unsuspendServer": SuspendedAllow, "startServer": SuspendedDeny,
		"restartServer": SuspendedDeny, "installServer": SuspendedDeny, "reinstallServer": SuspendedDeny,
		"stopServer": SuspendedAdmin, "getServerFile": SuspendedAdmin, "serverSocket": SuspendedAdmin}
	seen := 0
	for _, op := range c.Operations() {
		if m, ok := want[op.ID]; ok {
			seen++
			if op.Suspended != m || !op.OnServer {
				t.Errorf("%s: mode %q on server %v, want %q", op.ID, op.Suspended, op.OnServer, m)
			}
		}
		if op.OnServer && op.Suspended != SuspendedAllow && op.Route.Operation.Responses.Status(http.StatusConflict) == nil {
			t.Errorf("%s: may answer 409 ErrServerSuspended but does not declare 409", op.ID)
		}
		if !op.OnServer && op.Suspended != SuspendedAdmin {
			t.Errorf("%s: not on a server but mode %q", op.ID, op.Suspended)
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of %d operations", seen, len(want))
	}
}

// TestSuspendedBadExtension: an unknown x-suspended value, or the mark on an operation that
// names no server, makes the contract fail to load.
func TestSuspendedBadExtension(t *testing.T) {
	spec := string(skypanel.OpenAPI)
	for name, bad := range map[string]string{
		"unknown value": strings.Replace(spec, "x-suspended: deny", "x-suspended: sometimes", 1),
		"not a server": strings.Replace(spec, "operationId: listServers\n",
			"operationId: listServers\n      x-suspended: allow\n", 1),
	} {
		if bad == spec {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		if _, err := LoadContract(context.Background(), []byte(bad)); !errors.Is(err, ErrBadExtension) {
			t.Errorf("%s: err = %v, want ErrBadExtension", name, err)
		}
	}
}

// TestCheckSuspended: the rule for each mark and caller.
func TestCheckSuspended(t *testing.T) {
	admin, tenant := &Principal{UserID: 1, Admin: true}, &Principal{UserID: 2}
	cases := []struct {
		suspended bool
		mode      *SuspendedMode // nil: no operation in the context
		p         *Principal
		refused   bool
	}{
		{false, ptr(SuspendedDeny), tenant, false},
		{true, ptr(SuspendedAllow), tenant, false},
		{true, ptr(SuspendedAdmin), admin, false},
		{true, ptr(SuspendedAdmin), tenant, true},
		{true, nil, admin, false},
		{true, nil, tenant, true},
		{true, ptr(SuspendedDeny), admin, true},
		{true, ptr(SuspendedDeny), tenant, true},
	}
	for _, c := range cases {
		ctx := context.WithValue(context.Background(), principalKey{}, c.p)
		if c.mode != nil {
			ctx = withSuspendedMode(ctx, *c.mode)
		}
		err := checkSuspended(ctx, &ent.Server{ID: "S1", Suspended: c.suspended})
		var ae *APIError
		if refused := errors.As(err, &ae) && ae.Status == http.StatusConflict && ae.Code == CodeServerSuspended; refused != c.refused || (err != nil) != c.refused {
			t.Errorf("suspended %v, mode %v, admin %v: err %v, want refused %v", c.suspended, c.mode, c.p.Admin, err, c.refused)
		}
	}
}

func ptr[T any](v T) *T { return &v }
