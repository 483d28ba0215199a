package daemon

import (
	"context"
	"testing"

	"github.com/skypanel/skypanel/runtime"
)

// TestInternalInstanceNamesCannotCollide: a server a tenant names like another server's
// install instance stays its own: reloading and deleting the other server (both remove that
// server's install instance) leave it running.
func TestInternalInstanceNamesCannotCollide(t *testing.T) {
	if idPattern.MatchString("abc" + InstallInstanceSuffix) {
		t.Fatalf("%q is a valid server id", "abc"+InstallInstanceSuffix)
	}
	rt := newFakeRT(runtime.EnvStandard)
	m1 := newTestManager(t, rt, nil)
	ctx := context.Background()
	const owner, lookalike = "abc", "abc-install"
	mustCreate(t, m1, testDef(owner, "echo"))
	mustCreate(t, m1, testDef(lookalike, "echo"))
	if err := m1.Start(ctx, lookalike); err != nil {
		t.Fatal(err)
	}
	m1.Close()

	m2 := reloaded(t, m1, rt)
	if err := m2.Delete(ctx, owner); err != nil {
		t.Fatal(err)
	}
	if st, _ := rt.State(ctx, lookalike); st != runtime.StateRunning {
		t.Fatalf("instance %s is %s after another server was loaded and deleted, want running", lookalike, st)
	}
	if got, _ := m2.Status(lookalike); got.State != StateRunning {
		t.Fatalf("%s: %+v, want running", lookalike, got)
	}
	if err := m2.Delete(ctx, lookalike); err != nil {
		t.Fatal(err)
	}
}
