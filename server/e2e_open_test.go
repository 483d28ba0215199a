package server_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/daemon"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

func openConfig(t *testing.T, dir string) server.Config {
	cfg := server.Default()
	cfg.DataDir, cfg.Listen = dir, "127.0.0.1:0"
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	return cfg
}

// TestOpenServeClose: Open builds the whole panel on a fresh data folder (bootstrap printed,
// the local node's daemon built by NodeConfig.Start), Serve answers until its context ends,
// Close closes the daemon Manager; a second Open on the same folder does not bootstrap again.
func TestOpenServeClose(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	cfg := openConfig(t, dir)
	cfg.BootstrapOutput = &out
	var mgr *daemon.Manager
	cfg.Node.Start = func(ctx context.Context, log *slog.Logger) (*daemon.Manager, map[string]rt.Runtime, error) {
		m, err := daemon.New(daemon.Options{DataDir: t.TempDir(), Runtimes: map[string]rt.Runtime{}, Logger: log})
		mgr = m
		return m, map[string]rt.Runtime{}, err
	}
	p, err := server.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "client_secret") || p.LocalNode == nil || p.Local == nil || p.Manager != mgr {
		t.Fatalf("bootstrap output %q, local node %v, service %v", out.String(), p.LocalNode, p.Local)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- p.Serve(ctx) }()
	client := &http.Client{Transport: apitest.NewTransport(t, nil)}
	resp, err := client.Get(p.URL() + "/api/nodes")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /api/nodes without a token: %d, want 401", resp.StatusCode)
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if err := mgr.Start(context.Background(), "none"); !errors.Is(err, daemon.ErrNotFound) {
		t.Fatalf("manager before Close: %v, want ErrNotFound", err)
	}
	p.Close()
	if err := mgr.Start(context.Background(), "none"); !errors.Is(err, daemon.ErrClosed) {
		t.Fatalf("manager after Close: %v, want ErrClosed", err)
	}

	out.Reset()
	again := openConfig(t, dir)
	again.BootstrapOutput = &out
	p2, err := server.Open(context.Background(), again)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer p2.Close()
	if out.Len() != 0 || p2.LocalNode.ID != p.LocalNode.ID {
		t.Fatalf("reopen bootstrapped again: %q, node %d vs %d", out.String(), p2.LocalNode.ID, p.LocalNode.ID)
	}
}

// TestOpenFailsWhole: a failing step makes Open return its error and close what it opened
// (the listener is free again, the Manager built before the failure is closed).
func TestOpenFailsWhole(t *testing.T) {
	errBoom := errors.New("boom")
	t.Run("node start", func(t *testing.T) {
		cfg := openConfig(t, t.TempDir())
		cfg.Node.Start = func(context.Context, *slog.Logger) (*daemon.Manager, map[string]rt.Runtime, error) {
			return nil, nil, errBoom
		}
		if _, err := server.Open(context.Background(), cfg); !errors.Is(err, errBoom) {
			t.Fatalf("Open: %v, want boom", err)
		}
	})
	t.Run("listener in use", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		cfg := openConfig(t, t.TempDir())
		cfg.Listen = ln.Addr().String()
		if _, err := server.Open(context.Background(), cfg); err == nil {
			t.Fatal("Open on a busy address succeeded")
		}
	})
	t.Run("app after node", func(t *testing.T) {
		cfg := openConfig(t, t.TempDir())
		cfg.TrustedProxies = []string{"not a cidr"} // server.New refuses it
		var mgr *daemon.Manager
		cfg.Node.Start = func(_ context.Context, log *slog.Logger) (*daemon.Manager, map[string]rt.Runtime, error) {
			m, err := daemon.New(daemon.Options{DataDir: t.TempDir(), Runtimes: map[string]rt.Runtime{}, Logger: log})
			mgr = m
			return m, map[string]rt.Runtime{}, err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Listener = ln
		if _, err := server.Open(context.Background(), cfg); err == nil {
			t.Fatal("Open with a bad trusted proxy succeeded")
		}
		if err := mgr.Start(context.Background(), "none"); !errors.Is(err, daemon.ErrClosed) {
			t.Fatalf("manager after a failed Open: %v, want ErrClosed", err)
		}
		if _, err := ln.Accept(); err == nil {
			t.Fatal("the listener of a failed Open is still open")
		}
	})
}
