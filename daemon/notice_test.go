package daemon

import (
	"errors"
	"slices"
	"testing"

	"github.com/skypanel/skypanel/runtime"
)

func TestNotice(t *testing.T) {
	m := newTestManager(t, newFakeRT(runtime.EnvStandard), nil)
	mustCreate(t, m, testDef("s1", "print:x"))
	if err := m.Notice("s1", "Transfer: 3 MiB sent"); err != nil {
		t.Fatal(err)
	}
	lines, _, err := m.Console("s1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{DaemonPrefix + "Transfer: 3 MiB sent"}; !slices.Equal(lines, want) {
		t.Fatalf("console %q, want %q", lines, want)
	}
	if err := m.Notice("s1", "two\nlines \xff"); err != nil {
		t.Fatal(err)
	}
	lines, _, _ = m.Console("s1", 0)
	if got := lines[len(lines)-1]; got != DaemonPrefix+"two lines \uFFFD" {
		t.Fatalf("notice with a newline and invalid UTF-8 = %q", got)
	}
	if err := m.Notice("nope", "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("notice to an unknown server: %v; want ErrNotFound", err)
	}
}
