package integration

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/host"
)

// TestConfigFilesOwnedByServerUID: the config files (and folders) the daemon creates before a
// start belong to the server's own uid, so the game, running as that uid, can change them.
func TestConfigFilesOwnedByServerUID(t *testing.T) {
	n := newTenantNode(t)
	ctx := context.Background()
	m := n.start(t, host.ModeAdmin)
	defer m.Close()
	def := daemon.Definition{ID: "tenantcfg", Name: "t", Environment: runtime.EnvStandard, Port: 25570,
		Startup: `echo "level-name=mine" >> config/server.properties && echo appended; exec sleep 1000`,
		ConfigFiles: []daemon.ConfigFile{{File: "config/server.properties", Parser: "properties",
			Set: []daemon.ConfigSet{{Key: "server-port", Value: "{{SERVER_PORT}}"}}}}}
	must(t, m.Create(ctx, def))
	t.Cleanup(func() { cleanup(n, t) })
	got, err := m.Get("tenantcfg")
	must(t, err)
	must(t, m.Start(ctx, "tenantcfg"))
	waitLine(t, m, "tenantcfg", "appended")
	must(t, m.Kill(ctx, "tenantcfg"))

	vol, err := m.VolumeDir("tenantcfg")
	must(t, err)
	for _, p := range []string{"config", "config/server.properties"} {
		fi, err := os.Stat(filepath.Join(vol, p))
		must(t, err)
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != got.UID || st.Gid != got.UID {
			t.Fatalf("%s owned by %d:%d, want the server's %d", p, st.Uid, st.Gid, got.UID)
		}
	}
	b, err := os.ReadFile(filepath.Join(vol, "config/server.properties"))
	must(t, err)
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 2 ||
		lines[0] != "server-port=25570" || lines[1] != "level-name=mine" {
		t.Fatalf("server.properties:\n%s", b)
	}
}
