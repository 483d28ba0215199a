package install

import (
	"context"
	"regexp"
	"testing"

	"github.com/skypanel/skypanel/runtime"
)

// serverIDPattern is the server id of the API (Server.id in openapi.yaml).
var serverIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// TestInstallInstanceName: the install instance of a server cannot be named like any server
// (server ids never contain '.'), it is a valid runtime id for the longest server id, and an
// install of server X leaves the instance of a server named "X-install" alone.
func TestInstallInstanceName(t *testing.T) {
	for _, id := range []string{"X", "srv1", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"} {
		name := id + InstanceSuffix
		if serverIDPattern.MatchString(name) {
			t.Errorf("install instance %q is a valid server id", name)
		}
		if !runtime.ValidID(name) {
			t.Errorf("install instance %q is not a valid runtime id", name)
		}
	}
	rts := environments(t)
	for env, rt := range rts {
		t.Run(env, func(t *testing.T) {
			ctx := context.Background()
			in := New(Config{}, rts, logger(t))
			def := definition(t, env, nil, Step{Type: "command", Commands: []string{"echo installing"}})
			other := def.ID + "-install" // another tenant's server
			spec := runtime.Spec{ID: other, Image: def.Image, Dir: volume(t, rt), Command: "sleep 60"}
			if err := rt.Create(ctx, spec); err != nil {
				t.Fatalf("create %s: %v", other, err)
			}
			t.Cleanup(func() { _ = rt.Delete(context.WithoutCancel(ctx), other) })
			var out console
			if err := in.Run(ctx, def, volume(t, rt), &out); err != nil {
				t.Fatalf("install: %v\n%s", err, out.String())
			}
			if st, err := rt.State(ctx, other); err != nil || st == runtime.StateAbsent {
				t.Fatalf("the install of %s removed the instance of server %s: state %s, %v", def.ID, other, st, err)
			}
			if st, _ := rt.State(ctx, def.ID+InstanceSuffix); st != runtime.StateAbsent {
				t.Errorf("install instance left: %s", st)
			}
		})
	}
}
