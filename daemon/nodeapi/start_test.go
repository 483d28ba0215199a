package nodeapi

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/skypanel/skypanel/daemon"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/fake"
)

// fakeStart is a StartFunc over the fake runtime (standard) in dir; it records the Manager.
func fakeStart(dir string, got **daemon.Manager) StartFunc {
	return func(_ context.Context, log *slog.Logger) (*daemon.Manager, map[string]rt.Runtime, error) {
		runtimes := map[string]rt.Runtime{rt.EnvStandard: fake.New(fake.Options{Environment: rt.EnvStandard})}
		m, err := daemon.New(daemon.Options{DataDir: dir, Runtimes: runtimes, Logger: log})
		*got = m
		return m, runtimes, err
	}
}

// TestStart: Start loads the Manager's servers (a second Start on the same folder finds the
// server the first created) and opens the Service over it; its close closes the Service and
// then the Manager.
func TestStart(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(testLog{t}, nil))
	opts := Options{DataDir: dir, Logger: log, NodeID: 3, Version: "test"}
	var m1, m2 *daemon.Manager
	s, closeNode, err := Start(t.Context(), fakeStart(filepath.Join(dir, "node"), &m1), opts)
	if err != nil {
		t.Fatal(err)
	}
	if s.Manager() != m1 {
		t.Fatalf("Service.Manager() = %p, want the started one %p", s.Manager(), m1)
	}
	if err := s.CreateServer(t.Context(), testDef("kept")); err != nil {
		t.Fatal(err)
	}
	closeNode()
	if err := m1.Start(t.Context(), "kept"); !errors.Is(err, daemon.ErrClosed) {
		t.Fatalf("manager after close: %v, want ErrClosed", err)
	}

	s, closeNode, err = Start(t.Context(), fakeStart(filepath.Join(dir, "node"), &m2), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer closeNode()
	list, err := s.ListServers(t.Context())
	if err != nil || len(list) != 1 || list[0].Id != "kept" {
		t.Fatalf("servers after a second Start = %+v, %v (want kept, loaded)", list, err)
	}
	h, err := s.Health(t.Context())
	if err != nil || h.NodeId != 3 || h.Servers != 1 || h.Version != "test" {
		t.Errorf("health = %+v, %v", h, err)
	}
	if err := s.DeleteServer(t.Context(), "kept"); err != nil {
		t.Error(err)
	}
}

// TestStartFails: a failing StartFunc is Start's error; a failure after it closes the Manager
// it started; a nil StartFunc gives a Service without a
// daemon whose unavailability names the node.
func TestStartFails(t *testing.T) {
	errBoom := errors.New("boom")
	boom := func(context.Context, *slog.Logger) (*daemon.Manager, map[string]rt.Runtime, error) {
		return nil, nil, errBoom
	}
	if _, _, err := Start(t.Context(), boom, Options{DataDir: t.TempDir()}); !errors.Is(err, errBoom) {
		t.Fatalf("Start: %v, want boom", err)
	}
	var m *daemon.Manager
	if _, _, err := Start(t.Context(), fakeStart(t.TempDir(), &m), Options{}); err == nil {
		t.Fatal("Start without a data folder succeeded")
	}
	if err := m.Start(t.Context(), "none"); !errors.Is(err, daemon.ErrClosed) {
		t.Fatalf("the Manager of a failed Start: %v, want ErrClosed", err)
	}
	s, closeNode, err := Start(t.Context(), nil, Options{DataDir: t.TempDir(), NodeID: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer closeNode()
	if s.Manager() != nil {
		t.Fatal("a nil StartFunc gave a Manager")
	}
	_, err = s.ListServers(t.Context())
	if id, ok := NodeIDOf(err); !errors.Is(err, ErrUnavailable) || !ok || id != 4 {
		t.Errorf("list without a daemon: %v (node %d)", err, id)
	}
}
