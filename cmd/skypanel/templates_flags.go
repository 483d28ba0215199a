package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/skypanel/skypanel/daemon/install"
)

// addInstallFlags registers the flags of template installations on serve and daemon (base URLs, mirrors,
// timeouts; each also read from its SKYPANEL_INSTALL_* variable when the flag is not given)
// and stores the result in *dst before the command runs. addNodeFlags calls it.
func addInstallFlags(cmd *cobra.Command, dst *install.Config) {
	c := install.Default()
	f := cmd.Flags()
	f.StringVar(&c.MojangManifestURL, "install-mojang-manifest", c.MojangManifestURL,
		"Mojang version manifest (v2) for Minecraft installs [$SKYPANEL_INSTALL_MOJANG_MANIFEST]")
	f.StringVar(&c.PaperAPIURL, "install-paper-api", c.PaperAPIURL,
		"base URL of the PaperMC downloads API v2 [$SKYPANEL_INSTALL_PAPER_API]")
	mirrors := f.StringArray("install-mirror", nil,
		"rewrite download URLs starting with FROM to start with TO: FROM=TO, repeatable [$SKYPANEL_INSTALL_MIRRORS, space-separated]")
	f.DurationVar(&c.Timeout, "install-timeout", c.Timeout, "bound of a whole installation [$SKYPANEL_INSTALL_TIMEOUT]")
	f.DurationVar(&c.IdleTimeout, "install-idle-timeout", c.IdleTimeout,
		"fail a download that sends nothing for this long [$SKYPANEL_INSTALL_IDLE_TIMEOUT]")
	prev := cmd.PreRunE
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		if prev != nil {
			if err := prev(cmd, args); err != nil {
				return err
			}
		}
		cfg, err := installConfig(cmd, c, *mirrors)
		if err != nil {
			return err
		}
		*dst = cfg
		return nil
	}
}

// installConfig overlays the environment (for flags not given) and checks the result.
func installConfig(cmd *cobra.Command, c install.Config, mirrors []string) (install.Config, error) {
	f := cmd.Flags()
	env := func(flag, name string) (string, bool) {
		v := os.Getenv(name)
		return v, v != "" && !f.Changed(flag)
	}
	if v, ok := env("install-mojang-manifest", "SKYPANEL_INSTALL_MOJANG_MANIFEST"); ok {
		c.MojangManifestURL = v
	}
	if v, ok := env("install-paper-api", "SKYPANEL_INSTALL_PAPER_API"); ok {
		c.PaperAPIURL = v
	}
	if v, ok := env("install-mirror", "SKYPANEL_INSTALL_MIRRORS"); ok {
		mirrors = strings.Fields(v)
	}
	for flag, d := range map[string]*time.Duration{"install-timeout": &c.Timeout, "install-idle-timeout": &c.IdleTimeout} {
		name := "SKYPANEL_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
		if v, ok := env(flag, name); ok {
			parsed, err := time.ParseDuration(v)
			if err != nil {
				return c, fmt.Errorf("$%s: %w", name, err)
			}
			*d = parsed
		}
		if *d <= 0 {
			return c, fmt.Errorf("--%s must be positive", flag)
		}
	}
	for _, m := range mirrors {
		parsed, err := install.ParseMirror(m)
		if err != nil {
			return c, fmt.Errorf("--install-mirror: %w", err)
		}
		c.Mirrors = append(c.Mirrors, parsed)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("install flags: %w", err)
	}
	return c, nil
}
