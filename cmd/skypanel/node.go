package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/install"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/containerd"
	"github.com/skypanel/skypanel/runtime/host"
)

// nodeOptions configure a node: the one embedded in serve, or `daemon` (nodeflags.go).
type nodeOptions struct {
	dataDir             string
	containerd          string
	containerdNamespace string
	registryMirror      string
	registryPlainHTTP   bool
	registryUser        string
	registryPassword    string
	registryAuth        []string // HOST=USER:PASS
	registryConfig      string   // docker config.json
	cni                 containerd.NetworkOptions
	pidsLimit           int64
	hostUser            string
	containerUser       string
	diskInterval        time.Duration   // how often running servers' disk usage is measured
	standard            standardOptions // standard.go
	install             install.Config  // template installations (nodeflags.go)
}

// startNode builds the runtimes and the daemon Manager from the flags: the nodeapi.StartFunc
// of `serve` and `daemon` (nodeapi.Start loads the servers and opens the Service). Without a
// reachable containerd the node still runs "standard" servers and logs why.
func (o nodeOptions) startNode(ctx context.Context, log *slog.Logger) (*daemon.Manager, map[string]rt.Runtime, error) {
	nodeDir := filepath.Join(o.dataDir, "node")
	std, err := resolveStandard(log, nodeDir, o.standard, os.Geteuid() == 0)
	if err != nil {
		return nil, nil, err
	}
	if err := prepareNodeDirs(o.dataDir, nodeDir, std.volumes); err != nil {
		return nil, nil, err
	}
	runtimes := map[string]rt.Runtime{}
	hr, err := host.New(host.Options{StateDir: filepath.Join(nodeDir, "host"), User: o.hostUser,
		Mode: std.mode, Logger: log})
	if err != nil {
		return nil, nil, fmt.Errorf("host runtime: %w", err)
	}
	runtimes[rt.EnvStandard] = hr
	reg, err := o.registry()
	if err != nil {
		return nil, nil, err
	}
	cr, err := containerd.New(ctx, containerd.Options{Address: o.containerd, Namespace: o.containerdNamespace,
		StateDir: filepath.Join(nodeDir, "containerd"), Logger: log, User: o.containerUser,
		Registry: reg, Network: o.cni, PidsLimit: o.pidsLimit})
	if err != nil {
		return nil, nil, fmt.Errorf("containerd runtime: %w", err)
	}
	runtimes[rt.EnvDocker] = cr
	if err := cr.Available(ctx); err != nil {
		log.Warn("docker environment unavailable; standard servers only", "reason", err)
	}
	m, err := daemon.New(daemon.Options{DataDir: nodeDir, VolumesDir: std.volumes, StandardUIDs: std.uids,
		Runtimes: runtimes, Logger: log, DiskInterval: o.diskInterval})
	if err != nil {
		return nil, nil, err
	}
	return m, runtimes, nil
}

// registry gathers the registry options: the mirror with its login, and per-host credentials
// from --registry-config then --registry-auth (which wins for the same host).
func (o nodeOptions) registry() (containerd.RegistryOptions, error) {
	reg := containerd.RegistryOptions{Mirror: o.registryMirror, PlainHTTP: o.registryPlainHTTP,
		Username: o.registryUser, Password: o.registryPassword, Auth: map[string]containerd.Credentials{}}
	if o.registryConfig != "" {
		auth, err := containerd.LoadDockerConfig(o.registryConfig)
		if err != nil {
			return reg, fmt.Errorf("--registry-config: %w", err)
		}
		reg.Auth = auth
	}
	for _, a := range o.registryAuth {
		host, cred, err := containerd.ParseRegistryAuth(a)
		if err != nil {
			return reg, fmt.Errorf("--registry-auth: %w", err)
		}
		reg.Auth[host] = cred
	}
	return reg, nil
}
