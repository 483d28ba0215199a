package host

import (
	"context"
	"errors"
	"testing"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/runtimetest"
)

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": ModeAdmin, "admin": ModeAdmin, "off": ModeOff, "unisolated": ModeUnisolated} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseMode("on"); !errors.Is(err, runtime.ErrInvalidSpec) {
		t.Errorf("ParseMode(on) = %v, want ErrInvalidSpec", err)
	}
}

// TestRefusal: off refuses for everyone; a daemon that is not root refuses unless unisolated.
func TestRefusal(t *testing.T) {
	cases := []struct {
		mode   Mode
		asRoot bool
		want   error
	}{
		{ModeAdmin, true, nil},
		{ModeAdmin, false, ErrNotIsolated},
		{ModeUnisolated, false, nil},
		{ModeUnisolated, true, nil},
		{ModeOff, true, ErrDisabled},
		{ModeOff, false, ErrDisabled},
	}
	for _, c := range cases {
		r := &Runtime{opts: Options{Mode: c.mode}, asRoot: c.asRoot}
		if err := r.Refusal(); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("mode %s, root %v: Refusal() = %v, want %v", c.mode, c.asRoot, err, c.want)
		}
	}
}

// TestModeOff: with standard servers off, Available says why and Start refuses (Create still
// works, so existing servers keep their instances), with a real runtime.
func TestModeOff(t *testing.T) {
	r, err := New(Options{StateDir: t.TempDir(), Mode: ModeOff, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := r.Available(ctx); !errors.Is(err, runtime.ErrUnavailable) || !errors.Is(err, ErrDisabled) {
		t.Fatalf("Available = %v, want ErrUnavailable and ErrDisabled", err)
	}
	id := runtimetest.NewID()
	if err := r.Create(ctx, runtime.Spec{ID: id, Command: "echo hi", Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Delete(ctx, id) })
	if _, err := r.Start(ctx, id); !errors.Is(err, ErrDisabled) || !errors.Is(err, runtime.ErrInvalidSpec) {
		t.Fatalf("Start = %v, want ErrDisabled and ErrInvalidSpec", err)
	}
	if st, _ := r.State(ctx, id); st != runtime.StateCreated {
		t.Fatalf("state %s after a refused start, want created", st)
	}
}
