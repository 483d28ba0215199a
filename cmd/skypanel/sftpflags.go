package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/skypanel/skypanel/daemon/nodeapi"
)

// sftpOff is the --sftp-listen value that runs no SFTP server.
const sftpOff = "off"

// sftpOptions are the SFTP flags of `serve` and `daemon`.
type sftpOptions struct {
	listen        string
	checkInterval time.Duration
	idleTimeout   time.Duration
	maxSessions   int
}

// addSFTPFlags registers --sftp-listen (default def) and the session limits on cmd.
func addSFTPFlags(cmd *cobra.Command, o *sftpOptions, def, help string) {
	f := cmd.Flags()
	f.StringVar(&o.listen, "sftp-listen", envOr("SKYPANEL_SFTP_LISTEN", def), help+
		`; "off": no SFTP server [$SKYPANEL_SFTP_LISTEN]`)
	f.DurationVar(&o.idleTimeout, "sftp-idle-timeout", 10*time.Minute, "an SFTP session without traffic for this long is closed")
	f.IntVar(&o.maxSessions, "sftp-max-sessions", 8, "concurrent SFTP sessions per server")
	f.DurationVar(&o.checkInterval, "sftp-check-interval", 30*time.Second,
		"how often each open SFTP session is re-checked with the panel (permissions, suspension, deletion)")
	_ = f.MarkHidden("sftp-check-interval") // tests shorten it
}

// options checks the flags: Listen "" when off, else as given (a bare host is resolved with
// nodeapi.SFTPAddr once the node's sftpPort is known: serve's local node's, the daemon's 5657).
func (o sftpOptions) options() (nodeapi.SFTPOptions, error) {
	out := nodeapi.SFTPOptions{CheckInterval: o.checkInterval, IdleTimeout: o.idleTimeout, MaxSessions: o.maxSessions}
	if o.listen == sftpOff {
		return out, nil
	}
	if o.listen == "" {
		return out, fmt.Errorf("%w: --sftp-listen is empty (%q runs no SFTP server)", nodeapi.ErrSFTPConfig, sftpOff)
	}
	if o.checkInterval <= 0 || o.idleTimeout <= 0 || o.maxSessions < 1 {
		return out, fmt.Errorf("%w: --sftp-check-interval, --sftp-idle-timeout and --sftp-max-sessions must be positive",
			nodeapi.ErrSFTPConfig)
	}
	if _, err := nodeapi.SFTPAddr(o.listen, nodeapi.DefaultSFTPPort); err != nil {
		return out, fmt.Errorf("--sftp-listen: %w", err)
	}
	out.Listen = o.listen
	return out, nil
}
