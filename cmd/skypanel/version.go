package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version and commit are set at build time by the Makefile:
//
//	-ldflags "-X main.version=$(git describe --tags --always --dirty) -X main.commit=$(git rev-parse HEAD)"
//
// A plain `go build` leaves them empty; buildVersion then falls back to the VCS stamp Go
// embeds in the binary (vcs.revision, vcs.modified) or says "unknown".
var (
	version string
	commit  string
)

// buildVersion returns the version and commit the binary was built from. ldflags win; without
// them the module's build information is used, so a plain `go build` still tells the truth.
func buildVersion(info *debug.BuildInfo, ok bool) (ver, rev string) {
	ver, rev = version, commit
	if !ok || info == nil {
		return orUnknown(ver), orUnknown(rev)
	}
	var modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if rev == "" {
				rev = s.Value
			}
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if ver == "" {
		ver = info.Main.Version
		if (ver == "" || ver == "(devel)") && rev != "" {
			ver = shortRev(rev)
			if modified {
				ver += "-dirty"
			}
		}
	}
	return orUnknown(ver), orUnknown(rev)
}

func shortRev(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

func orUnknown(s string) string {
	if s == "" || s == "(devel)" {
		return "unknown"
	}
	return s
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and the commit it was built from",
		Run: func(cmd *cobra.Command, _ []string) {
			ver, rev := buildVersion(debug.ReadBuildInfo())
			fmt.Fprintf(cmd.OutOrStdout(), "skypanel %s (commit %s, API v1)\n", ver, rev)
		},
	}
}
