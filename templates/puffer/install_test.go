package puffer_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/install"
	"github.com/skypanel/skypanel/daemon/install/installtest"
	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/host"
	"github.com/skypanel/skypanel/templates"
	"github.com/skypanel/skypanel/templates/puffer"
)

// TestInstallConverted installs converted fixtures with the node's real installer in the
// standard environment (host processes for command steps), from the offline fixture server
// standing in for the download sites, and checks the files the PufferPanel template meant.
func TestInstallConverted(t *testing.T) {
	env := newInstallEnv(t)
	fx := env.fx
	cases := []struct {
		fixture string
		vars    map[string]any
		want    map[string]string // file → content ("" = exists)
		gone    []string
		exec    string // a file the install commands made executable
	}{
		{"paper", map[string]any{"version": "1.21.4", "build": 100, "eula": true}, map[string]string{
			"paper.jar":         string(installtest.PaperJar("1.21.4", 100)),
			"eula.txt":          "eula=true\n",
			"server.properties": "server-ip=0.0.0.0\nserver-port=25565\nmotd=A Paper server\n",
		}, []string{"paper-1.21.4-100.jar"}, ""},
		{"vanilla", nil, map[string]string{"server.jar": string(fx.Jar), "eula.txt": "eula=true"}, nil, ""},
		{"generic", map[string]any{"maxplayers": 12}, map[string]string{
			"server.cfg": "name=x\nmax_players=12\ndata_dir=game\n", "game/.installed": "", "game/bin/server": "",
		}, []string{"gameserver-2.4.1.tar.gz", "game/config/default.cfg"}, "game/bin/server"},
		{"terraria", nil, map[string]string{"server/TerrariaServer.bin.x86_64": installtest.TerrariaScript, "worlds": ""},
			[]string{"1449", "terraria-server-1449.zip"}, "server/TerrariaServer.bin.x86_64"},
	}
	for _, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			_, _, dir := env.install(t, c.fixture, c.vars)
			for name, want := range c.want {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if want == "" {
					if _, serr := os.Stat(filepath.Join(dir, name)); serr != nil {
						t.Errorf("%s: %v", name, serr)
					}
					continue
				}
				if err != nil || string(b) != want {
					t.Errorf("%s = %q, %v; want %q", name, b, err, want)
				}
			}
			if c.exec != "" {
				if fi, err := os.Stat(filepath.Join(dir, c.exec)); err != nil || fi.Mode().Perm()&0o111 == 0 {
					t.Errorf("%s is not executable: %v %v", c.exec, fi, err)
				}
			}
			for _, name := range c.gone {
				if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
					t.Errorf("%s is still there (%v)", name, err)
				}
			}
		})
	}
}

// gameServer is the stand-in for the generic fixture's server: it prints its environment and
// arguments, then waits for SIGINT (its stop signal) and exits 0.
const gameServer = `#!/bin/sh
trap 'exit 0' INT
echo "game home=$GAME_HOME lib=$LD_LIBRARY_PATH args=$*"
while :; do sleep 1; done
`

// installEnv is the offline fixture server, the standard environment's runtime and the
// node's installer using both.
type installEnv struct {
	fx *installtest.Server
	rt runtime.Runtime
	in *install.Installer
}

func newInstallEnv(t *testing.T) *installEnv {
	t.Helper()
	fx := installtest.Start(t, installtest.Options{})
	fx.Put("gameserver-2.4.1.tar.gz", installtest.TarGz(
		installtest.File{Name: "bin/server", Body: gameServer, Mode: 0o644},
		installtest.File{Name: "config/default.cfg", Body: "name=x\nmax_players=4\ndata_dir=/opt/game\n"},
	))
	fx.Put("terraria-server-1449.zip", fx.TerrariaZip)
	cfg := install.Config{MojangManifestURL: fx.MojangManifestURL, PaperAPIURL: fx.PaperAPIURL,
		Mirrors: []install.Mirror{
			{From: "https://api.papermc.io/", To: fx.PaperAPIURL + "/"},
			{From: "https://downloads.example.com/", To: fx.URL + "/files/"},
			{From: "https://terraria.example.com/", To: fx.URL + "/files/"},
		}, Timeout: time.Minute}
	rt := hostRuntime(t)
	return &installEnv{fx: fx, rt: rt, in: install.New(cfg, map[string]runtime.Runtime{runtime.EnvStandard: rt}, nil)}
}

// install converts the fixture, resolves vars and installs it into a new server folder in
// the standard environment, as the node does; it returns the template, the definition and
// the folder.
func (e *installEnv) install(t *testing.T, fixture string, vars map[string]any) (templates.Template, daemon.Definition, string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", fixture+".puffer.json"))
	if err != nil {
		t.Fatal(err)
	}
	tpl, _, err := puffer.Convert(raw)
	if err != nil {
		t.Fatal(err)
	}
	values, err := tpl.Resolve(vars, false)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := install.Plan{Steps: tpl.Install}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	def := daemon.Definition{ID: "puf1", Name: fixture, Environment: runtime.EnvStandard, Startup: tpl.Run.Command,
		Variables: values, Port: 25565, Limits: daemon.Limits{MemoryMiB: 512}, Install: plan}
	dir := volume(t, e.rt)
	var out strings.Builder
	if err := e.in.Run(context.Background(), def, dir, &out); err != nil {
		t.Fatalf("install: %v\n%s", err, out.String())
	}
	return tpl, def, dir
}

// volume returns a server folder the runtime's user can reach and owns, as the daemon makes it.
func volume(t *testing.T, rt runtime.Runtime) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != filepath.Clean(os.TempDir()) && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if o, ok := rt.(interface{ Owner() (uint32, uint32) }); ok {
		uid, gid := o.Owner()
		if err := os.Chown(dir, int(uid), int(gid)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func hostRuntime(t *testing.T) runtime.Runtime {
	t.Helper()
	rt, err := host.New(host.Options{StateDir: t.TempDir(), Mode: host.ModeUnisolated, CgroupParent: host.NoCgroups,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Available(context.Background()); err != nil {
		t.Skipf("standard environment unavailable: %v", err)
	}
	return rt
}
