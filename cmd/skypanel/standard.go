package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

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
		for _, f := range []string{"/etc/subuid", "/etc/subgid"} {
			if who := subidOverlap(f, rng); who != "" {
				log.Warn("--standard-uid-range overlaps ids delegated to a user (rootless containers): "+
					"their processes could signal standard servers; choose another range", "file", f, "user", who)
			}
		}
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

// subidOverlap returns the first user of an /etc/subuid-style file ("name:start:count" lines)
// whose ids overlap rng, or "".
func subidOverlap(file string, rng daemon.UIDRange) string {
	b, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(strings.TrimSpace(line), ":")
		if len(f) != 3 {
			continue
		}
		start, err1 := strconv.ParseUint(f[1], 10, 32)
		count, err2 := strconv.ParseUint(f[2], 10, 32)
		if err1 == nil && err2 == nil && count > 0 &&
			start <= uint64(rng.Last) && start+count-1 >= uint64(rng.First) {
			return f[0]
		}
	}
	return ""
}

func hasEntries(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err == nil && len(entries) > 0
}
