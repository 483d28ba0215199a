package server_test

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/install"
	"github.com/skypanel/skypanel/daemon/install/installtest"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/containerd"
	"github.com/skypanel/skypanel/runtime/host"
	"github.com/skypanel/skypanel/server/apitest"
	"github.com/skypanel/skypanel/server/node"
)

// tplNode is a panel whose local node runs real runtimes (standard always, docker with
// SKYPANEL_TEST_CONTAINERD and SKYPANEL_TEST_IMAGE) and installs from the fixture.
type tplNode struct {
	env   *apitest.Env
	fx    *installtest.Server
	mgr   *daemon.Manager
	local *nodeapi.Service
	dir   string // the node's data folder (volumes/<id>/ are the servers' files)
	admin string
	image string // docker test image; "" without docker
	jdk   bool   // fx.Jar is a runnable stand-in server
}

func startTplNode(t *testing.T) *tplNode {
	t.Helper()
	jar, jarErr := installtest.JavaJar()
	if jarErr != nil {
		t.Logf("no runnable server.jar (%v): the Minecraft server is not started", jarErr)
		jar = nil
	}
	n := &tplNode{fx: installtest.Start(t, installtest.Options{Jar: jar}), jdk: jarErr == nil}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	n.dir = tplOpenDir(t)
	runtimes := map[string]rt.Runtime{}
	hr, err := host.New(host.Options{StateDir: filepath.Join(n.dir, "host"), Mode: host.ModeUnisolated, CgroupParent: host.NoCgroups, Logger: log})
	if err != nil || hr.Available(context.Background()) != nil {
		t.Skipf("standard environment unavailable: %v", err)
	}
	runtimes[rt.EnvStandard] = hr
	if addr, image := os.Getenv("SKYPANEL_TEST_CONTAINERD"), os.Getenv("SKYPANEL_TEST_IMAGE"); addr != "" && addr != "auto" && image != "" {
		cr, err := containerd.New(context.Background(), containerd.Options{Address: addr, StateDir: filepath.Join(n.dir, "containerd"), Logger: log})
		if err != nil {
			t.Fatalf("containerd: %v", err)
		}
		t.Cleanup(func() { _ = cr.Close() })
		runtimes[rt.EnvDocker], n.image = cr, image
	}
	n.mgr, err = daemon.New(daemon.Options{DataDir: filepath.Join(n.dir, "node"), Runtimes: runtimes, Logger: log,
		StopTimeout: 5 * time.Second, TermTimeout: 2 * time.Second, DrainTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	n.local, err = nodeapi.New(nodeapi.Options{DataDir: n.dir, Runtimes: runtimes, Manager: n.mgr, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	n.setConfig(func(*install.Config) {})
	t.Cleanup(func() { // runs after the panel's cleanups: remove every server, then stop the node
		n.local.Close() // cancels and waits for installs and background power actions
		for _, d := range n.mgr.List() {
			if err := n.mgr.Delete(context.Background(), d.ID); err != nil {
				t.Errorf("delete %s: %v", d.ID, err)
			}
		}
		n.mgr.Close()
	})
	n.env = apitest.Start(t, apitest.WithNodes(node.LocalOnly{Local: n.local}))
	n.admin = n.env.AdminToken(t)
	return n
}

// setConfig points the node's installer at the fixture, then applies edit.
func (n *tplNode) setConfig(edit func(*install.Config)) {
	c := install.Config{MojangManifestURL: n.fx.MojangManifestURL, PaperAPIURL: n.fx.PaperAPIURL,
		Mirrors: []install.Mirror{{From: "https://terraria.org/", To: n.fx.TerrariaURL}},
		Timeout: time.Minute, HeaderTimeout: 10 * time.Second, IdleTimeout: 300 * time.Millisecond}
	edit(&c)
	n.local.SetInstallConfig(c)
}

// tplOpenDir returns a fresh folder the unprivileged server user can traverse.
func tplOpenDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != filepath.Clean(os.TempDir()) && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func (n *tplNode) volume(id string) string { return filepath.Join(n.dir, "node", "volumes", id) }

type tplStatus struct {
	Running bool   `json:"running"`
	State   string `json:"state"`
	Message string `json:"message"`
}

func (n *tplNode) status(t *testing.T, id string) tplStatus {
	t.Helper()
	r := n.env.Do(t, http.MethodGet, "/api/servers/"+id+"/status", n.admin, nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("status of %s: %d %s", id, r.Status, r.Body)
	}
	var st tplStatus
	r.JSON(t, &st)
	return st
}

func (n *tplNode) console(t *testing.T, id string) string {
	t.Helper()
	r := n.env.Do(t, http.MethodGet, "/api/servers/"+id+"/console", n.admin, nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("console of %s: %d %s", id, r.Status, r.Body)
	}
	var c struct{ Logs []string }
	r.JSON(t, &c)
	return strings.Join(c.Logs, "\n")
}

// waitFor polls cond through the API; the deadline only turns a hang into a failure.
func (n *tplNode) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (n *tplNode) waitState(t *testing.T, id, state string) tplStatus {
	t.Helper()
	var st tplStatus
	n.waitFor(t, id+" "+state, func() bool { st = n.status(t, id); return st.State == state })
	return st
}

func (n *tplNode) waitConsole(t *testing.T, id, substr string) {
	t.Helper()
	n.waitFor(t, "console line "+substr, func() bool { return strings.Contains(n.console(t, id), substr) })
}

// create PUTs a server from body (ownerId is the admin); it returns the response status and state.
func (n *tplNode) create(t *testing.T, id string, body map[string]any) (int, string) {
	t.Helper()
	body["ownerId"] = n.env.AdminID
	if _, ok := body["name"]; !ok {
		body["name"] = "server " + id
	}
	r := n.env.DoJSON(t, http.MethodPut, "/api/servers/"+id, n.admin, body)
	if r.Status != http.StatusCreated {
		return r.Status, string(r.Body)
	}
	var c struct{ Status string }
	r.JSON(t, &c)
	return r.Status, c.Status
}

// mustCreate creates a server; the install may already have ended (either way)
// by the time the response reports its state, so callers wait for the state they expect.
func (n *tplNode) mustCreate(t *testing.T, id string, body map[string]any) {
	t.Helper()
	if code, st := n.create(t, id, body); code != http.StatusCreated || (st != "installing" && st != "stopped" && st != "install_failed") {
		t.Fatalf("create %s: %d %s", id, code, st)
	}
}

func (n *tplNode) power(t *testing.T, id, action string, want int) {
	t.Helper()
	if r := n.env.Do(t, http.MethodPost, "/api/servers/"+id+"/"+action, n.admin, nil, nil); r.Status != want {
		t.Fatalf("%s %s: %d %s", action, id, r.Status, r.Body)
	}
}

// noPartial asserts a failed install left neither the file nor any partial download.
func (n *tplNode) noPartial(t *testing.T, id, file string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(n.volume(id), file)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s exists after a failed install: %v", file, err)
	}
	if _, err := os.Stat(filepath.Join(n.volume(id), ".skypanel-install")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf(".skypanel-install left: %v", err)
	}
}
