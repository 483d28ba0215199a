package main

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/spf13/cobra"
)

// errLogFormat: --log-format is neither text nor json.
var errLogFormat = errors.New("invalid log format")

// logFormats are the values of --log-format: slog's text handler (the default, for a
// terminal) or one JSON object per line (for journald/Loki/Elasticsearch pipelines).
var logFormats = []string{"text", "json"}

// addLogFormatFlag adds --log-format (default $SKYPANEL_LOG_FORMAT, else text) to root and
// refuses an unknown value before any subcommand runs.
func addLogFormatFlag(root *cobra.Command) {
	root.PersistentFlags().String("log-format", envOr("SKYPANEL_LOG_FORMAT", "text"),
		"log output: text or json (one object per line) [$SKYPANEL_LOG_FORMAT]")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		f, _ := cmd.Flags().GetString("log-format")
		if !slices.Contains(logFormats, f) {
			return fmt.Errorf("%w: --log-format %q: want text or json", errLogFormat, f)
		}
		return nil
	}
}

// newLogger builds the process logger from --log-level and --log-format, writing to the
// command's stderr (os.Stderr unless a test redirected it).
func newLogger(cmd *cobra.Command) *slog.Logger {
	lvl := new(slog.LevelVar)
	s, _ := cmd.Flags().GetString("log-level")
	_ = lvl.UnmarshalText([]byte(s))
	opts := &slog.HandlerOptions{Level: lvl}
	if f, _ := cmd.Flags().GetString("log-format"); f == "json" {
		return slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), opts))
	}
	return slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), opts))
}
