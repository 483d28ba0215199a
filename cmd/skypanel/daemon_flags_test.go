package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDaemonFlagsRefused: `skypanel daemon` refuses incomplete or unsafe flags before it
// touches anything (no node folder is created).
func TestDaemonFlagsRefused(t *testing.T) {
	good := []string{"--panel", "http://127.0.0.1:1", "--client-id", ".node_3", "--client-secret", "s", "--listen", "127.0.0.1:0"}
	without := func(flag string) []string {
		var out []string
		for i := 0; i < len(good); i += 2 {
			if good[i] != flag {
				out = append(out, good[i], good[i+1])
			}
		}
		return out
	}
	cases := map[string][]string{
		"no --panel":                   append(without("--panel"), "--insecure-http"),
		"no --client-secret":           append(without("--client-secret"), "--insecure-http"),
		"no --listen":                  append(without("--listen"), "--insecure-http"),
		"not a node client":            append(append(without("--client-id"), "--client-id", "admin"), "--insecure-http"),
		"plain HTTP not asked for":     good,
		"--tls-cert without --tls-key": append(append([]string{}, good...), "--tls-cert", "/nonexistent.pem"),
		"TLS and --insecure-http":      append(append([]string{}, good...), "--tls-cert", "c", "--tls-key", "k", "--insecure-http"),
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			out, err := run(t, append([]string{"--data", dir, "daemon"}, args...)...)
			if !errors.Is(err, errDaemonFlags) {
				t.Fatalf("daemon %s: %v (want errDaemonFlags)\n%s", strings.Join(args, " "), err, out)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("the data folder was created: %v", err)
			}
		})
	}
}

// TestDaemonEnvironment: every connection flag also comes from its SKYPANEL_* variable.
func TestDaemonEnvironment(t *testing.T) {
	t.Setenv("SKYPANEL_PANEL", "https://panel.example.com")
	t.Setenv("SKYPANEL_CLIENT_ID", ".node_9")
	t.Setenv("SKYPANEL_CLIENT_SECRET", "from-env")
	t.Setenv("SKYPANEL_LISTEN", "10.0.0.9:8080")
	t.Setenv("SKYPANEL_PANEL_CA", "/etc/ca.pem")
	cmd := newDaemonCmd()
	f := cmd.Flags()
	for flag, want := range map[string]string{"panel": "https://panel.example.com", "client-id": ".node_9",
		"client-secret": "from-env", "listen": "10.0.0.9:8080", "panel-ca": "/etc/ca.pem"} {
		if got, _ := f.GetString(flag); got != want {
			t.Errorf("--%s = %q from the environment, want %q", flag, got, want)
		}
	}
}
