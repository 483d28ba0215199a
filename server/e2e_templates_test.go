package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon/install"
	"github.com/skypanel/skypanel/daemon/install/installtest"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

func TestTemplatesAPI(t *testing.T) {
	env := apitest.Start(t)
	admin := env.AdminToken(t)
	t.Run("list", func(t *testing.T) {
		cases := []struct{ query, want string }{
			{"", "generic,minecraft-java,paper,terraria"},
			{"?page=2&limit=3", "terraria"},
			{"?page=3&limit=3", ""},
		}
		for _, c := range cases {
			r := env.Do(t, http.MethodGet, "/api/templates"+c.query, admin, nil, nil)
			var list struct {
				Templates []struct{ Name string }
				Metadata  struct{ Paging struct{ Total int } }
			}
			r.JSON(t, &list)
			var names []string
			for _, tpl := range list.Templates {
				names = append(names, tpl.Name)
			}
			if r.Status != http.StatusOK || strings.Join(names, ",") != c.want || list.Metadata.Paging.Total != 4 {
				t.Errorf("GET /api/templates%s = %d %s", c.query, r.Status, r.Body)
			}
		}
	})
	t.Run("get", func(t *testing.T) {
		for _, name := range []string{"minecraft-java", "paper", "terraria", "generic"} {
			r := env.Do(t, http.MethodGet, "/api/templates/"+name, admin, nil, nil)
			var tpl struct {
				Name      string
				Install   []map[string]any
				Run       struct{ Command, Stop string }
				Variables map[string]struct {
					Type    string
					Default any
				}
			}
			r.JSON(t, &tpl)
			if r.Status != http.StatusOK || tpl.Name != name || len(tpl.Install) == 0 || tpl.Run.Command == "" {
				t.Errorf("GET %s = %d %s", name, r.Status, r.Body)
			}
			if name == "minecraft-java" && (tpl.Run.Stop != "stop" || tpl.Variables["version"].Default != "latest" ||
				tpl.Variables["memory"].Type != "integer" || tpl.Install[0]["type"] != "mojangdl") {
				t.Errorf("minecraft-java = %s", r.Body)
			}
			if name == "paper" && (tpl.Install[0]["api"] != "paper" || tpl.Install[0]["build"] != "{{build}}") {
				t.Errorf("paper = %s", r.Body)
			}
		}
		d := env.Do(t, http.MethodGet, "/api/templates/nope", admin, nil, nil).ExpectError(t, http.StatusNotFound, server.CodeTemplateNotFound)
		if d.Metadata == nil || (*d.Metadata)["id"] != "nope" {
			t.Errorf("metadata = %v", d.Metadata)
		}
	})
}

func TestCreateFromTemplateValidation(t *testing.T) {
	n := startTplNode(t)
	cases := []struct {
		name  string
		body  map[string]any
		code  string
		field string
	}{
		{"unknown template", map[string]any{"template": "nope"}, server.CodeTemplateNotFound, "template"},
		{"required variable empty", map[string]any{"template": "minecraft-java", "variables": map[string]any{"version": ""}}, server.CodeFieldRequired, "variables.version"},
		{"integer given a string", map[string]any{"template": "minecraft-java", "variables": map[string]any{"memory": "lots"}}, server.CodeFieldInvalid, "variables.memory"},
		{"boolean given a string", map[string]any{"template": "paper", "variables": map[string]any{"eula": "yes"}}, server.CodeFieldInvalid, "variables.eula"},
		{"option not in the list", map[string]any{"template": "terraria", "variables": map[string]any{"worldsize": "9"}}, server.CodeFieldInvalid, "variables.worldsize"},
		{"unknown variable", map[string]any{"template": "minecraft-java", "variables": map[string]any{"verison": "1.20.1"}}, server.CodeFieldInvalid, "variables.verison"},
		{"generic without a command", map[string]any{"template": "generic", "environmentType": "standard"}, server.CodeFieldRequired, "startup"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.body["ownerId"], c.body["name"] = n.env.AdminID, "bad"
			r := n.env.DoJSON(t, http.MethodPut, "/api/servers/BAD1", n.admin, c.body)
			d := r.ExpectError(t, http.StatusBadRequest, c.code)
			if d.Metadata == nil || (*d.Metadata)["field"] != c.field {
				t.Errorf("metadata = %v, want field %s", d.Metadata, c.field)
			}
			if name, ok := strings.CutPrefix(c.field, "variables."); ok && !strings.Contains(d.Msg, `"`+name+`"`) {
				t.Errorf("msg %q does not name the variable", d.Msg)
			}
		})
	}
	if len(n.mgr.List()) != 0 {
		t.Errorf("servers created: %v", n.mgr.List())
	}
	r := n.env.Do(t, http.MethodGet, "/api/servers", n.admin, nil, nil)
	if !strings.Contains(string(r.Body), `"total":0`) {
		t.Errorf("rows left: %s", r.Body)
	}
}

// TestInstallMinecraftJava is the acceptance: PUT with template minecraft-java and
// version latest installs from the fixture; the server starts with the downloaded jar.
func TestInstallMinecraftJava(t *testing.T) {
	n := startTplNode(t)
	n.mustCreate(t, "MC1", map[string]any{"template": "minecraft-java", "environmentType": "standard",
		"variables": map[string]any{"version": "latest", "memory": 256, "eula": true}, "limits": map[string]any{"memory": 1024}})
	n.waitState(t, "MC1", "stopped")
	con := n.console(t, "MC1")
	for _, want := range []string{"installing server", "minecraft " + installtest.LatestRelease, "saved server.jar", "installation finished"} {
		if !strings.Contains(con, want) {
			t.Errorf("console lacks %q:\n%s", want, con)
		}
	}
	jar, err := os.ReadFile(filepath.Join(n.volume("MC1"), "server.jar"))
	if err != nil || string(jar) != string(n.fx.Jar) {
		t.Fatalf("server.jar: %v", err)
	}
	def, err := n.mgr.Get("MC1")
	if err != nil {
		t.Fatal(err)
	}
	cmd, _ := def.Command()
	if cmd != "java -Xms128M -Xmx256M -jar server.jar nogui" || def.StopCommand != "stop" || time.Duration(def.StopTimeout) != 30*time.Second {
		t.Errorf("definition: command %q, stop %q after %s", cmd, def.StopCommand, time.Duration(def.StopTimeout))
	}
	r := n.env.Do(t, http.MethodGet, "/api/servers/MC1", n.admin, nil, nil)
	var srv struct {
		Template, Startup string
		Deployment        struct{ Port int }
	}
	r.JSON(t, &srv)
	if srv.Template != "minecraft-java" || srv.Startup != "java -Xms128M -Xmx{{memory}}M -jar server.jar nogui" {
		t.Errorf("server = %s", r.Body)
	}
	if !n.jdk {
		t.Skip("no JDK: the downloaded jar is not started")
	}
	n.power(t, "MC1", "start", http.StatusNoContent)
	n.waitConsole(t, "MC1", `Done (0.001s)! For help, type "help"`)
	if con := n.console(t, "MC1"); !strings.Contains(con, "Starting fixture server.jar (max heap 256 MiB, args nogui)") {
		t.Errorf("console:\n%s", con)
	}
	n.waitState(t, "MC1", "running") // the template's ready pattern matched the Done line
	props, err := os.ReadFile(filepath.Join(n.volume("MC1"), "server.properties"))
	for _, want := range []string{fmt.Sprintf("server-port=%d\n", srv.Deployment.Port), fmt.Sprintf("query.port=%d\n", srv.Deployment.Port)} {
		if err != nil || srv.Deployment.Port == 0 || !strings.Contains(string(props), want) {
			t.Errorf("server.properties lacks %q: %q, %v", want, props, err)
		}
	}
	n.power(t, "MC1", "install", http.StatusConflict) // running: reinstall refused
	n.power(t, "MC1", "stop", http.StatusNoContent)
	n.waitState(t, "MC1", "stopped")
	n.waitConsole(t, "MC1", "Stopping the server")
}

func TestInstallFailures(t *testing.T) {
	n := startTplNode(t)
	cases := []struct{ id, version, want string }{
		{"HASH", "bad-sha1", "checksum mismatch: sha1"},
		{"SIZE", "bad-size", "checksum mismatch"},
		{"NF404", "missing", "404 Not Found"},
		{"NOVER", "9.9.9", `minecraft version "9.9.9" is not in the version manifest`},
		{"SLOW", "slow", "no data for 300ms"},
		{"TRUNC", "truncated", "truncated"},
	}
	for _, c := range cases {
		t.Run(c.version, func(t *testing.T) {
			n.mustCreate(t, c.id, map[string]any{"template": "minecraft-java", "environmentType": "standard",
				"variables": map[string]any{"version": c.version}})
			st := n.waitState(t, c.id, "install_failed")
			if !strings.Contains(st.Message, c.want) {
				t.Errorf("status message %q lacks %q", st.Message, c.want)
			}
			if con := n.console(t, c.id); !strings.Contains(con, "installation failed") || !strings.Contains(con, c.want) {
				t.Errorf("console:\n%s", con)
			}
			n.noPartial(t, c.id, "server.jar")
			n.power(t, c.id, "start", http.StatusConflict) // install_failed: reinstall first
		})
	}
	t.Run("reinstall after a fix", func(t *testing.T) {
		r := n.env.DoJSON(t, http.MethodPut, "/api/servers/NF404/definition", n.admin,
			map[string]any{"variables": map[string]any{"version": "1.20.1"}})
		if r.Status != http.StatusNoContent {
			t.Fatalf("edit: %d %s", r.Status, r.Body)
		}
		n.power(t, "NF404", "install", http.StatusNoContent)
		n.waitState(t, "NF404", "stopped")
		if n.fx.Hits("/mojang/objects/1.20.1/server.jar") == 0 {
			t.Error("1.20.1 was not downloaded")
		}
	})
	t.Run("install refused", func(t *testing.T) {
		r := n.env.DoJSON(t, http.MethodPut, "/api/servers/PLAIN", n.admin, map[string]any{"name": "plain", "ownerId": n.env.AdminID,
			"environmentType": "standard", "startup": "echo hi"})
		if r.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		d := n.env.Do(t, http.MethodPost, "/api/servers/PLAIN/install", n.admin, nil, nil).ExpectError(t, http.StatusBadRequest, server.CodeFieldInvalid)
		if (*d.Metadata)["field"] != "template" {
			t.Errorf("metadata = %v", d.Metadata)
		}
	})
}

func TestInstallKillTimeoutResume(t *testing.T) {
	n := startTplNode(t)
	n.setConfig(func(c *install.Config) { c.IdleTimeout = time.Minute })
	n.mustCreate(t, "KILL", map[string]any{"template": "minecraft-java", "environmentType": "standard",
		"variables": map[string]any{"version": "slow"}})
	if st := n.status(t, "KILL"); st.State != "installing" {
		t.Fatalf("status during a stalled download = %+v", st)
	}
	n.waitConsole(t, "KILL", "downloading")
	n.power(t, "KILL", "kill", http.StatusNoContent)
	st := n.waitState(t, "KILL", "install_failed")
	if !strings.Contains(st.Message, "cancelled") {
		t.Errorf("message after kill = %q", st.Message)
	}
	if _, err := os.Stat(filepath.Join(n.volume("KILL"), "server.jar")); err == nil {
		t.Error("server.jar exists after a killed install")
	}

	t.Run("resume", func(t *testing.T) { // the fixture answers range requests of the stalled file
		n.power(t, "KILL", "install", http.StatusNoContent)
		n.waitState(t, "KILL", "stopped")
		jar, err := os.ReadFile(filepath.Join(n.volume("KILL"), "server.jar"))
		if err != nil || string(jar) != string(n.fx.Jar) {
			t.Fatalf("server.jar after resume: %v", err)
		}
		reqs := n.fx.Requests()
		if last := reqs[len(reqs)-1]; !strings.HasPrefix(last.Range, "bytes=") || last.Range == "bytes=0-" {
			t.Errorf("last request = %+v, want a resumed range", last)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		n.setConfig(func(c *install.Config) { c.IdleTimeout, c.Timeout = time.Minute, 500*time.Millisecond })
		n.mustCreate(t, "TIME", map[string]any{"template": "minecraft-java", "environmentType": "standard",
			"variables": map[string]any{"version": "slow"}})
		st := n.waitState(t, "TIME", "install_failed")
		if !strings.Contains(st.Message, "installation timed out after 500ms") {
			t.Errorf("message = %q", st.Message)
		}
		n.noPartial(t, "TIME", "server.jar")
	})
}

// TestInstallTemplates installs and runs every built-in template through the API, in every
// available environment (busybox stands in for the images in docker).
func TestInstallTemplates(t *testing.T) {
	n := startTplNode(t)
	envs := []string{"standard"}
	if n.image != "" {
		envs = append(envs, "docker")
	} else {
		t.Log("docker environment not tested: set SKYPANEL_TEST_CONTAINERD and SKYPANEL_TEST_IMAGE")
	}
	for _, env := range envs {
		t.Run(env, func(t *testing.T) {
			base := func(id string, body map[string]any) string {
				id = strings.ToUpper(env[:3]) + id
				body["environmentType"] = env
				if env == "docker" {
					body["dockerImage"] = n.image
				}
				n.mustCreate(t, id, body)
				n.waitState(t, id, "stopped")
				return id
			}
			t.Run("paper", func(t *testing.T) {
				id := base("PAPER", map[string]any{"template": "paper"})
				jar, err := os.ReadFile(filepath.Join(n.volume(id), "server.jar"))
				if err != nil || string(jar) != string(installtest.PaperJar(installtest.PaperLatest, installtest.PaperBuild)) {
					t.Fatalf("server.jar: %v", err)
				}
			})
			t.Run("minecraft-java", func(t *testing.T) {
				id := base("MC", map[string]any{"template": "minecraft-java", "variables": map[string]any{"version": "1.20.1"}})
				def, _ := n.mgr.Get(id)
				if cmd, _ := def.Command(); !strings.Contains(cmd, "-jar server.jar") {
					t.Errorf("command = %q", cmd)
				}
				if _, err := os.Stat(filepath.Join(n.volume(id), "server.jar")); err != nil {
					t.Error(err)
				}
			})
			t.Run("terraria", func(t *testing.T) {
				id := base("TERRA", map[string]any{"template": "terraria", "port": tplPort(env, 7777),
					"variables": map[string]any{"world": "arena", "worldsize": "2"}})
				n.power(t, id, "start", http.StatusNoContent)
				n.waitConsole(t, id, "Terraria Server v1.4.4.9 -port "+tplPortText(env, 7777)+" -maxplayers 8 -world ./worlds/arena.wld -autocreate 2")
				n.power(t, id, "stop", http.StatusNoContent) // stop command "exit"
				n.waitState(t, id, "stopped")
				n.waitConsole(t, id, "Saving world...")
			})
			t.Run("generic", func(t *testing.T) {
				id := base("GEN", map[string]any{"template": "generic", "variables": map[string]any{
					"command": `echo generic-up; while read -r l; do [ "$l" = quit ] && exit 0; done`, "stop": "quit",
					"install": "echo installed > marker.txt"}})
				if b, err := os.ReadFile(filepath.Join(n.volume(id), "marker.txt")); err != nil || string(b) != "installed\n" {
					t.Fatalf("marker.txt: %q %v", b, err)
				}
				n.power(t, id, "start", http.StatusNoContent)
				n.waitConsole(t, id, "generic-up")
				n.power(t, id, "stop", http.StatusNoContent)
				n.waitState(t, id, "stopped")
				n.waitConsole(t, id, "server stopped (exit code 0)")
			})
		})
	}
}

func tplPort(env string, base int) int {
	if env == "docker" {
		return base + 1
	}
	return base
}

func tplPortText(env string, base int) string {
	b, _ := json.Marshal(tplPort(env, base))
	return string(b)
}
