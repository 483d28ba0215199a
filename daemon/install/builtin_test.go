package install

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/skypanel/skypanel/daemon/install/installtest"
	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/templates"
)

// TestBuiltinTemplates installs every built-in template from the fixture, in every available
// environment, as the node does: the template's plan with its variables resolved.
func TestBuiltinTemplates(t *testing.T) {
	fx := installtest.Start(t, installtest.Options{})
	rts := environments(t)
	in := New(config(fx), rts, logger(t))
	cases := []struct {
		template string
		vars     map[string]any
		check    func(t *testing.T, dir string)
	}{
		{"minecraft-java", nil, func(t *testing.T, dir string) {
			if read(t, dir, "server.jar") != string(fx.Jar) || read(t, dir, "eula.txt") != "# https://aka.ms/MinecraftEULA\neula=false\n" {
				t.Error("server.jar or eula.txt differs")
			}
		}},
		{"minecraft-java", map[string]any{"version": "1.20.1", "eula": true}, func(t *testing.T, dir string) {
			if read(t, dir, "eula.txt") != "# https://aka.ms/MinecraftEULA\neula=true\n" || fx.Hits("/mojang/objects/1.20.1/server.jar") == 0 {
				t.Error("eula.txt differs or 1.20.1 was not downloaded")
			}
		}},
		{"paper", nil, func(t *testing.T, dir string) {
			if read(t, dir, "server.jar") != string(installtest.PaperJar(installtest.PaperLatest, installtest.PaperBuild)) {
				t.Error("server.jar differs")
			}
		}},
		{"terraria", nil, func(t *testing.T, dir string) {
			fi, err := os.Stat(filepath.Join(dir, "TerrariaServer.bin.x86_64"))
			if err != nil || fi.Mode().Perm()&0o111 == 0 {
				t.Fatalf("server binary: %v %v", fi, err)
			}
			if fi, err := os.Stat(filepath.Join(dir, "worlds")); err != nil || !fi.IsDir() {
				t.Errorf("worlds: %v", err)
			}
			expectNothing(t, dir, "TerrariaServer.bin.x86_64", "lib64/libstub.so")
		}},
		{"generic", map[string]any{"command": "true", "install": "echo installed > installed.txt; mkdir -p data"}, func(t *testing.T, dir string) {
			if read(t, dir, "installed.txt") != "installed\n" {
				t.Error("installed.txt differs")
			}
		}},
	}
	for env, rt := range rts {
		t.Run(env, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.template, func(t *testing.T) {
					tpl, err := templates.MustBuiltin().Get(c.template)
					if err != nil {
						t.Fatal(err)
					}
					vars, err := tpl.Resolve(c.vars, false)
					if err != nil {
						t.Fatal(err)
					}
					def := definition(t, env, vars, tpl.Install...)
					dir := volume(t, rt)
					var out console
					if err := in.Run(context.Background(), def, dir, &out); err != nil {
						t.Fatalf("%v\n%s", err, out.String())
					}
					t.Log(out.String())
					c.check(t, dir)
					if _, err := os.Stat(filepath.Join(dir, workDir)); err == nil {
						t.Errorf("%s left", workDir)
					}
					if o, ok := rt.(interface{ Owner() (uint32, uint32) }); ok && env == runtime.EnvStandard && os.Geteuid() == 0 {
						uid, _ := o.Owner()
						expectOwned(t, dir, int(uid))
					}
				})
			}
		})
	}
}
