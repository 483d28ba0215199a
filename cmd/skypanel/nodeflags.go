package main

import (
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/runtime/host"
)

// addNodeFlags registers the flags of a node (runtimes, registries, networking, standard
// servers, volumes, disk checks, installations) on cmd: one definition for `serve` (the
// embedded local node) and `daemon` (a remote node). The install flags are resolved into
// o.install before cmd runs.
func addNodeFlags(cmd *cobra.Command, o *nodeOptions) {
	f := cmd.Flags()
	f.StringVar(&o.containerd, "containerd", envOr("SKYPANEL_CONTAINERD", "/run/containerd/containerd.sock"), "containerd socket [$SKYPANEL_CONTAINERD]")
	f.StringVar(&o.containerdNamespace, "containerd-namespace", envOr("SKYPANEL_CONTAINERD_NAMESPACE", "skypanel"), "containerd namespace")
	f.StringVar(&o.registryMirror, "registry-mirror", os.Getenv("SKYPANEL_REGISTRY_MIRROR"), "registry host[:port] tried first for image pulls")
	f.BoolVar(&o.registryPlainHTTP, "registry-plain-http", false, "use HTTP (not HTTPS) for the registry mirror")
	f.StringVar(&o.registryUser, "registry-user", os.Getenv("SKYPANEL_REGISTRY_USER"), "username for the registry mirror (only sent to --registry-mirror)")
	f.StringVar(&o.registryPassword, "registry-password", os.Getenv("SKYPANEL_REGISTRY_PASSWORD"), "registry password [$SKYPANEL_REGISTRY_PASSWORD]")
	addContainerFlags(cmd, o)
	f.StringVar(&o.hostUser, "host-user", envOr("SKYPANEL_HOST_USER", ""), "as root, the user of standard servers that have no uid of their own yet (created by an older version and still running)")
	f.StringVar(&o.containerUser, "container-user", envOr("SKYPANEL_CONTAINER_USER", "988:988"),
		`uid:gid docker servers run as (their folder is given to it; "" keeps each image's own user)`)
	f.DurationVar(&o.diskInterval, "disk-interval", 30*time.Second,
		"how often the disk usage of running and installing servers with a disk limit is measured (those over it are stopped)")
	// Standard (host process) servers and volumes (see standard.go).
	f.StringVar(&o.standard.mode, "standard-servers", envOr("SKYPANEL_STANDARD_SERVERS", string(host.ModeAdmin)),
		"standard (host process) servers: admin (isolated: own uid, cgroup; needs root), off, or unisolated "+
			"(UNSAFE: when not root they run as this user, next to the panel's data)")
	f.StringVar(&o.standard.uidRange, "standard-uid-range", envOr("SKYPANEL_STANDARD_UID_RANGE", daemon.DefaultUIDRange.String()),
		"uids (and gids) given to standard servers, one per server (as root)")
	f.StringVar(&o.standard.volumes, "volumes", os.Getenv("SKYPANEL_VOLUMES"),
		"folder of the servers' files (default "+DefaultVolumes+" as root, <data>/node/volumes otherwise)")
	addInstallFlags(cmd, &o.install) // templates_flags.go
}
