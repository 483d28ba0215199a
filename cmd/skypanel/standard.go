package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/runtime/host"
)

// DefaultVolumes is where a root node keeps the servers' files unless --volumes says otherwise.
const DefaultVolumes = "/var/lib/skypanel/volumes"

// standardOptions are the flags of standard servers and volumes (serve).
type standardOptions struct {
	mode     string // --standard-servers
	uidRange string // --standard-uid-range
	volumes  string // --volumes ("" = default)
}

// standardConfig is standardOptions checked and resolved for one node.
type standardConfig struct {
	mode    host.Mode
	uids    daemon.UIDRange // zero when the node is not root: no per-server uids
	volumes string
	legacy  bool // volumes stay in <data>/node/volumes because servers live there
}

// resolveStandard checks the flags and picks the volumes folder: --volumes when given; as root
// /var/lib/skypanel/volumes unless <node>/volumes already holds servers (an install from
// before --volumes keeps it, with a log line); otherwise <node>/volumes.
func resolveStandard(log *slog.Logger, nodeDir string, o standardOptions, root bool) (standardConfig, error) {
	var c standardConfig
	var err error
	if c.mode, err = host.ParseMode(o.mode); err != nil {
		return c, fmt.Errorf("--standard-servers: %w", err)
	}
	rng, err := daemon.ParseUIDRange(o.uidRange)
	if err != nil {
		return c, fmt.Errorf("--standard-uid-range: %w", err)
	}
	if root {
		c.uids = rng
	}
	old := filepath.Join(nodeDir, "volumes")
	switch {
	case o.volumes != "":
		c.volumes = o.volumes
	case !root:
		c.volumes = old
	case hasEntries(old):
		c.volumes, c.legacy = old, true
		log.Warn("server volumes stay in the data folder, where existing servers have them; "+
			"standard servers cannot start if a parent folder is closed (e.g. a 0700 home): move them to "+
			DefaultVolumes+" (or pass --volumes)", "volumes", old)
	default:
		c.volumes = DefaultVolumes
	}
	if c.volumes, err = filepath.Abs(c.volumes); err != nil {
		return c, fmt.Errorf("--volumes: %w", err)
	}
	return c, nil
}

// prepareNodeDirs creates the node folder and the volumes folder. The data and node folders are
// made traversable (0711) only when the volumes are inside them; otherwise the node folder
// (definitions, FIFOs) is the daemon's only (0700).
func prepareNodeDirs(dataDir, nodeDir, volumes string) error {
	if err := os.MkdirAll(nodeDir, 0o700); err != nil {
		return err
	}
	if rel, err := filepath.Rel(dataDir, volumes); err == nil && filepath.IsLocal(rel) {
		for _, d := range []string{dataDir, nodeDir} {
			if err := os.Chmod(d, 0o711); err != nil {
				return err
			}
		}
	} else if err := os.Chmod(nodeDir, 0o700); err != nil {
		return err
	}
	return prepareVolumes(volumes)
}

// prepareVolumes creates the volumes folder (and its missing parents) 0711: each server's uid
// can reach its own folder through it, but nobody can list it.
func prepareVolumes(dir string) error {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		missing = append(missing, d)
	}
	if err := os.MkdirAll(dir, 0o711); err != nil {
		return fmt.Errorf("volumes folder: %w", err)
	}
	for _, d := range append(missing, dir) {
		if err := os.Chmod(d, 0o711); err != nil {
			return fmt.Errorf("volumes folder: %w", err)
		}
	}
	return nil
}

func hasEntries(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err == nil && len(entries) > 0
}
