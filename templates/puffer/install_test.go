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
	"github.com/skypanel/skypanel/templates/puffer"
)

// TestInstallConverted installs converted fixtures with the node's real installer in the
// standard environment (host processes for command steps), from the offline fixture server
// standing in for the download sites, and checks the files the PufferPanel template meant.
func TestInstallConverted(t *testing.T) {
	fx := installtest.Start(t, installtest.Options{})
	fx.Put("gameserver-2.4.1.tar.gz", installtest.TarGz(
		installtest.File{Name: "bin/server", Body: "#!/bin/sh\necho game $*\n", Mode: 0o644},
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
	in := install.New(cfg, map[string]runtime.Runtime{runtime.EnvStandard: rt}, nil)
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
			raw, err := os.ReadFile(filepath.Join("testdata", c.fixture+".puffer.json"))
			if err != nil {
				t.Fatal(err)
			}
			tpl, _, err := puffer.Convert(raw)
			if err != nil {
				t.Fatal(err)
			}
			vars, err := tpl.Resolve(c.vars, false)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := install.Plan{Steps: tpl.Install}.Encode()
			if err != nil {
				t.Fatal(err)
			}
			def := daemon.Definition{ID: "puf1", Name: c.fixture, Environment: runtime.EnvStandard, Startup: tpl.Run.Command,
				Variables: vars, Port: 25565, Limits: daemon.Limits{MemoryMiB: 512}, Install: plan}
			dir := volume(t, rt)
			var out strings.Builder
			if err := in.Run(context.Background(), def, dir, &out); err != nil {
				t.Fatalf("install: %v\n%s", err, out.String())
			}
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
