package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/daemon/install"
)

// The games of these tests print "booting …" (with what the node wrote into
// server.properties), wait for a "go" console command, print a ready line, and answer SIGINT
// by printing "caught SIGINT, saving <greeting>" and exiting 0. So a test sees `starting`
// before the ready line deterministically, then `running`, then a clean stop by the signal.

// gameRun is what one game run must show.
type gameRun struct {
	id, greeting string
	booting      string // the console line proving the node's config-file rewrite (or the args)
	ready        bool   // the template has ready patterns: `starting` until the ready line
}

// play starts the server and checks the lifecycle above.
func (n *tplNode) play(t *testing.T, g gameRun) {
	t.Helper()
	n.power(t, g.id, "start", http.StatusNoContent)
	n.waitConsole(t, g.id, g.booting)
	if st := n.status(t, g.id); g.ready && st.State != "starting" {
		t.Errorf("state before the ready line = %s, want starting", st.State)
	} else if !g.ready && st.State != "running" {
		t.Errorf("state without ready patterns = %s, want running", st.State)
	}
	if r := n.env.DoJSON(t, http.MethodPost, "/api/servers/"+g.id+"/console", n.admin, map[string]any{"command": "go"}); r.Status != http.StatusNoContent {
		t.Fatalf("console: %d %s", r.Status, r.Body)
	}
	n.waitConsole(t, g.id, "For help, type help")
	n.waitState(t, g.id, "running")
	n.power(t, g.id, "stop", http.StatusNoContent)
	n.waitState(t, g.id, "stopped")
	n.waitConsole(t, g.id, "server stopped (exit code")
	// the game's INT trap ran before the node saw it stop, and its exit status is the server's
	c := n.console(t, g.id)
	caught, stopped := strings.Index(c, "caught SIGINT, saving "+g.greeting), strings.Index(c, "server stopped (exit code 0)")
	if !strings.Contains(c, "got go") || caught < 0 || stopped < 0 || caught > stopped {
		t.Errorf("console:\n%s", c)
	}
}

// properties asserts the node wrote key=value into the server's server.properties.
func (n *tplNode) properties(t *testing.T, id string, want ...string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(n.volume(id), "server.properties"))
	if err != nil {
		t.Fatalf("server.properties: %v", err)
	}
	for _, kv := range want {
		if !strings.Contains("\n"+string(b), "\n"+kv+"\n") {
			t.Errorf("server.properties lacks %q:\n%s", kv, b)
		}
	}
}

// TestEggServer imports an egg, creates a server from it with eggId as the documentation
// does, installs it with the egg's script (the server folder at /mnt/server, a variable from
// the environment), rewrites server.properties before the start, reports `starting` until the
// egg's done line, stops it with ^C (SIGINT) and exports the egg back. Docker environment:
// needs SKYPANEL_TEST_CONTAINERD and SKYPANEL_TEST_IMAGE.
func TestEggServer(t *testing.T) {
	n := startTplNode(t)
	if n.image == "" {
		t.Skip("docker environment not tested: set SKYPANEL_TEST_CONTAINERD and SKYPANEL_TEST_IMAGE")
	}
	raw := bytes.ReplaceAll(importFixture(t, "busybox-game.egg.json", nil), []byte("SKYPANEL_TEST_IMAGE"), []byte(n.image))
	egg := mustImport(t, n.env, n.admin, "", raw)
	if egg.Template.Run.StopSignal != "SIGINT" || len(egg.Template.Run.Ready) != 1 {
		t.Errorf("imported run = %+v", egg.Template.Run)
	}
	body := map[string]any{
		"name": "egg game", "eggId": egg.EggID, "dockerImage": n.image, "environmentType": "docker", "port": 27511,
		"startup":     "sh ./start.sh --players {{MAX_PLAYERS}} --memory {{SERVER_MEMORY}}",
		"environment": map[string]any{"GREETING": "bonjour", "MAX_PLAYERS": "12", "f": "v"},
		"limits":      map[string]any{"memory": 256, "swap": 0, "disk": 1024, "io": 500, "cpu": 100},
	}
	n.mustCreate(t, "EGGRUN01", body)
	n.waitState(t, "EGGRUN01", "stopped")
	for file, want := range map[string]string{"greeting.txt": "bonjour\n", "install.log": "installed in /mnt/server as "} {
		if b, err := os.ReadFile(filepath.Join(n.volume("EGGRUN01"), file)); err != nil || !strings.HasPrefix(string(b), want) {
			t.Errorf("%s = %q, %v; want %q", file, b, err, want)
		}
	}
	if def, err := n.mgr.Get("EGGRUN01"); err != nil {
		t.Fatal(err)
	} else if cmd, err := def.Command(); err != nil || cmd != "sh ./start.sh --players 12 --memory 256" ||
		def.Variables["f"] != "v" || def.Variables["GREETING"] != "bonjour" { // the panel sends environment with the variables
		t.Errorf("command = %q, %v; variables %v", cmd, err, def.Variables)
	}
	n.play(t, gameRun{id: "EGGRUN01", greeting: "bonjour", booting: "booting with server-port=27511 motd=bonjour", ready: true})
	n.properties(t, "EGGRUN01", "server-port=27511", "motd=bonjour")
	exported := n.env.Do(t, http.MethodGet, "/api/templates/"+egg.Template.Name+"?format=egg", n.admin, nil, nil)
	if exported.Status != http.StatusOK {
		t.Fatalf("export: %d %s", exported.Status, exported.Body)
	}
	sameEgg(t, raw, exported.Body)
}

// TestPufferPanelServer imports a PufferPanel template and runs it in the standard
// environment: its download step fetches the game from the local fixture server, it starts
// (no ready patterns: running at once) and stops with its stopCode 2 (SIGINT).
func TestPufferPanelServer(t *testing.T) {
	n := startTplNode(t)
	game, err := os.ReadFile(filepath.Join("testdata", "import", "shell-game.sh"))
	if err != nil {
		t.Fatal(err)
	}
	n.fx.Put("shell-game/start.sh", game)
	n.setConfig(func(c *install.Config) {
		c.Mirrors = append(c.Mirrors, install.Mirror{From: "https://downloads.example.invalid/", To: n.fx.URL + "/files/"})
	})
	got := mustImport(t, n.env, n.admin, "", importFixture(t, "shell-game.puffer.json", nil))
	if got.Format != "pufferpanel" || got.EggID != 0 || got.Template.Run.StopSignal != "SIGINT" {
		t.Errorf("imported = %+v", got)
	}
	n.mustCreate(t, "PUFRUN01", map[string]any{"template": got.Template.Name, "environmentType": "standard",
		"variables": map[string]any{"greeting": "hola", "players": 5}})
	n.waitState(t, "PUFRUN01", "stopped")
	if n.fx.Hits("/files/shell-game/start.sh") != 1 {
		t.Errorf("requests: %+v", n.fx.Requests())
	}
	n.play(t, gameRun{id: "PUFRUN01", greeting: "hola", booting: "booting for 5 players motd=hola"})
}

// nativeGame is a template in our own format (POST /api/templates) with what eggs brought:
// a ready pattern (RE2), a stop signal and a config file.
func nativeGame(t *testing.T, name string, envs []string) map[string]any {
	game, err := os.ReadFile(filepath.Join("testdata", "import", "game.sh"))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{
		"name": name, "display": "Native game", "type": "generic", "supportedVersions": []string{}, "environments": envs,
		"install": []map[string]any{{"type": "writefile", "target": "start.sh", "text": string(game)},
			{"type": "writefile", "target": "greeting.txt", "text": "{{greeting}}\n"}},
		// exec: in the standard environment the signal goes to the whole process group, and an
		// intermediate shell (dash does not exec a -c command) would exit by it (status 130)
		"run": map[string]any{"command": "exec sh ./start.sh", "stopSignal": "SIGINT", "stopTimeout": 10,
			"ready": []string{`regex:^Done \([0-9.]+s\)! For help`}},
		"configFiles": []map[string]any{{"file": "server.properties", "parser": "properties", "set": []map[string]any{
			{"key": "server-port", "value": "{{SERVER_PORT}}"}, {"key": "motd", "value": "{{greeting}}"}}}},
		"variables": map[string]any{"greeting": map[string]any{"type": "string", "default": "hello", "required": true,
			"min": 2, "max": 20, "pattern": "^[a-z]+$"}},
	}
}

// TestNativeTemplateReadySignalConfig proves the same features for a template of our own
// format, in every available environment.
func TestNativeTemplateReadySignalConfig(t *testing.T) {
	n := startTplNode(t)
	envs := []string{"standard"}
	if n.image != "" {
		envs = append(envs, "docker")
	}
	if r := n.env.DoJSON(t, http.MethodPost, "/api/templates", n.admin, nativeGame(t, "native-game", envs)); r.Status != http.StatusCreated {
		t.Fatalf("POST = %d %s", r.Status, r.Body)
	}
	for i, env := range envs {
		t.Run(env, func(t *testing.T) {
			id, port := fmt.Sprintf("NATRUN0%d", i+1), 27521+i
			body := map[string]any{"template": "native-game", "environmentType": env, "port": port,
				"variables": map[string]any{"greeting": "salut"}}
			if env == "docker" {
				body["dockerImage"] = n.image
			}
			n.mustCreate(t, id, body)
			n.waitState(t, id, "stopped")
			n.play(t, gameRun{id: id, greeting: "salut", ready: true,
				booting: fmt.Sprintf("booting with server-port=%d motd=salut", port)})
			n.properties(t, id, fmt.Sprintf("server-port=%d", port), "motd=salut")
		})
	}
}
