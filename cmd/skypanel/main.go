// Command skypanel is the one SkyPanel binary: `serve` (panel + local node), `daemon` (a remote
// node), `user`, `oauth2` and `version`. Every subcommand that touches the database takes
// --data (or SKYPANEL_DATA) and works while `serve` is running (SQLite in WAL mode).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRoot().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "skypanel",
		Short:         "SkyPanel (Aether Panel): game server panel and node daemon",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("data", envOr("SKYPANEL_DATA", "./data"), "data folder (database, keys, servers) [$SKYPANEL_DATA]")
	root.PersistentFlags().String("log-level", envOr("SKYPANEL_LOG_LEVEL", "info"), "debug, info, warn or error")
	addLogFormatFlag(root) // logging.go: --log-format text|json
	root.AddCommand(newServeCmd(), newDaemonCmd(), newUserCmd(), newOAuth2Cmd(), newVersionCmd())
	return root
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func dataDir(cmd *cobra.Command) string {
	d, _ := cmd.Flags().GetString("data")
	return d
}
