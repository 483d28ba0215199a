package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/skypanel/skypanel/runtime/containerd"
)

// addContainerFlags adds the flags of docker servers' isolation: registry credentials per
// host, the CNI network and the default pids limit.
func addContainerFlags(cmd *cobra.Command, o *nodeOptions) {
	f := cmd.Flags()
	f.StringArrayVar(&o.registryAuth, "registry-auth", nil,
		"credentials for one registry host, HOST=USER:PASS (repeatable; sent to that host only, other registries are pulled anonymously)")
	f.StringVar(&o.registryConfig, "registry-config", os.Getenv("SKYPANEL_REGISTRY_CONFIG"),
		`registry credentials in docker's config.json format ("auths") [$SKYPANEL_REGISTRY_CONFIG]`)
	f.StringVar(&o.cni.Bridge, "cni-bridge", envOr("SKYPANEL_CNI_BRIDGE", containerd.DefaultCNIBridge), "bridge of docker servers' networks")
	f.StringVar(&o.cni.Subnet, "cni-subnet", envOr("SKYPANEL_CNI_SUBNET", containerd.DefaultCNISubnet), "IPv4 subnet of the bridge")
	f.StringVar(&o.cni.BinDir, "cni-bin-dir", envOr("SKYPANEL_CNI_BIN_DIR", containerd.DefaultCNIBinDir), "folder of the CNI plugins (containernetworking-plugins)")
	f.StringVar(&o.cni.StateDir, "cni-state-dir", envOr("SKYPANEL_CNI_STATE_DIR", containerd.DefaultCNIStateDir),
		"IPAM state of the bridge (shared by every node using it)")
	f.Int64Var(&o.pidsLimit, "pids-limit", containerd.DefaultPidsLimit, "process limit of docker servers without their own (-1 = unlimited)")
}
