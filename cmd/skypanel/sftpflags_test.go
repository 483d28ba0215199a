package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/skypanel/skypanel/daemon/nodeapi"
)

// TestSFTPListenDefaults: serve listens on all interfaces at the local node's sftpPort (a bare
// host, resolved once the node is known), the daemon on 0.0.0.0:5657; both from
// $SKYPANEL_SFTP_LISTEN; "off" runs no SFTP server.
func TestSFTPListenDefaults(t *testing.T) {
	for name, want := range map[string]string{"serve": "0.0.0.0", "daemon": "0.0.0.0:5657"} {
		cmd := map[string]func() string{
			"serve":  func() string { v, _ := newServeCmd().Flags().GetString("sftp-listen"); return v },
			"daemon": func() string { v, _ := newDaemonCmd().Flags().GetString("sftp-listen"); return v },
		}[name]
		if got := cmd(); got != want {
			t.Errorf("%s --sftp-listen default %q, want %q", name, got, want)
		}
	}
	t.Setenv("SKYPANEL_SFTP_LISTEN", "10.0.0.9:2022")
	if got, _ := newDaemonCmd().Flags().GetString("sftp-listen"); got != "10.0.0.9:2022" {
		t.Errorf("--sftp-listen from the environment %q", got)
	}
	base := sftpOptions{checkInterval: 1, idleTimeout: 1, maxSessions: 1}
	for listen, want := range map[string]string{"off": "", "0.0.0.0": "0.0.0.0", "127.0.0.1:0": "127.0.0.1:0"} {
		o := base
		o.listen = listen
		got, err := o.options()
		if err != nil || got.Listen != want {
			t.Errorf("--sftp-listen %q: %q, %v; want %q", listen, got.Listen, err, want)
		}
	}
}

// TestDaemonSFTPFlagsRefused: a bad --sftp-listen or session limit stops the daemon before it
// touches anything.
func TestDaemonSFTPFlagsRefused(t *testing.T) {
	good := []string{"--panel", "http://127.0.0.1:1", "--client-id", ".node_3", "--client-secret", "s",
		"--listen", "127.0.0.1:0", "--insecure-http"}
	for name, extra := range map[string][]string{
		"empty":             {"--sftp-listen", ""},
		"not an address":    {"--sftp-listen", "not an address"},
		"bad port":          {"--sftp-listen", "0.0.0.0:99999"},
		"no sessions":       {"--sftp-max-sessions", "0"},
		"no idle timeout":   {"--sftp-idle-timeout", "0s"},
		"negative interval": {"--sftp-check-interval", "-1s"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			out, err := run(t, append(append([]string{"--data", dir, "daemon"}, good...), extra...)...)
			if !errors.Is(err, errDaemonFlags) || !errors.Is(err, nodeapi.ErrSFTPConfig) {
				t.Fatalf("daemon %v: %v (want errDaemonFlags, ErrSFTPConfig)\n%s", extra, err, out)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("the data folder was created: %v", err)
			}
		})
	}
}
