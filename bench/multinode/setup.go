package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/e2e/multinode/netlab"
)

// env is the benchmark's panel, its remote node and the servers created.
type env struct {
	o       options
	lab     *netlab.Lab
	panel   *netlab.Panel
	daemon  *netlab.Daemon
	hc      *http.Client
	c       *api.ClientWithResponses
	token   string
	adminID int64
	envType api.EnvironmentType
	run     string
	servers []string
	nss     []string // containerd namespaces to remove
}

// setup builds a lab of one node, the panel (with its local node) and the node's daemon.
func setup(ctx context.Context, o options) (*env, error) {
	lab, err := netlab.New(1, nil)
	if err != nil {
		return nil, err
	}
	e := &env{o: o, lab: lab, run: lab.ID[strings.LastIndexByte(lab.ID, '-')+1:], envType: api.EnvironmentTypeStandard,
		hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Minute}}
	sock := filepath.Join(lab.Dir, "no-containerd.sock")
	if o.containerd != "" {
		sock, e.envType = o.containerd, api.EnvironmentTypeDocker
		for _, l := range []string{"p", "a"} {
			if err := e.copyImage(e.ns(l)); err != nil {
				return e, err
			}
		}
	}
	e.panel, err = lab.StartPanel(ctx, netlab.PanelOptions{Bin: o.bin, Dir: filepath.Join(lab.Dir, "panel"),
		Containerd: sock, Namespace: e.ns("p"), Args: []string{"--node-insecure-http", "--log-level", "warn"}})
	if err != nil {
		return e, err
	}
	if e.token, err = e.panel.Token(ctx, e.hc, e.panel.ClientID, e.panel.Secret); err != nil {
		return e, err
	}
	if e.c, err = e.panel.Client(e.hc, e.token); err != nil {
		return e, err
	}
	self, err := e.c.GetSelfWithResponse(ctx)
	if err != nil || self.JSON200 == nil || self.JSON200.User == nil {
		return e, fmt.Errorf("GET /api/self: %v", err)
	}
	e.adminID = self.JSON200.User.Id
	node := lab.Nodes[0]
	id, dep, err := netlab.RegisterNode(ctx, e.c, node)
	if err != nil {
		return e, err
	}
	e.daemon, err = lab.StartDaemon(ctx, node, e.panel, id, dep, netlab.DaemonOptions{Bin: o.bin,
		Dir: filepath.Join(lab.Dir, "node-a"), Containerd: sock, Namespace: e.ns("a"),
		UIDs: "999000000-999000999", Args: []string{"--log-level", "warn"}})
	if err != nil {
		return e, err
	}
	return e, e.waitNode(ctx)
}

// ns is the containerd namespace of the panel's local node ("p") or of the daemon ("a").
func (e *env) ns(letter string) string { return "skp12b-" + e.run + "-" + letter }

// waitNode waits until the panel reaches the daemon.
func (e *env) waitNode(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	for {
		resp, err := e.c.GetNodeSystemWithResponse(ctx, e.daemon.NodeID)
		if err == nil && resp.JSON200 != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the panel does not reach the daemon: %v\n%s", err, e.daemon.Tail(30))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// create creates server id on node nodeID (0 = the local node) running startup.
func (e *env) create(ctx context.Context, id string, nodeID int64, startup string) error {
	b := api.ServerCreate{Name: "bench", OwnerId: e.adminID, EnvironmentType: &e.envType, Startup: &startup,
		Limits: &api.ServerLimits{Memory: ptrTo[int64](256), Disk: ptrTo[int64](4096)}}
	if nodeID != 0 {
		b.NodeId = &nodeID
	}
	if e.envType == api.EnvironmentTypeDocker {
		b.DockerImage = &e.o.image
	}
	resp, err := e.c.CreateServerWithResponse(ctx, id, b)
	if err != nil {
		return err
	}
	if resp.StatusCode() != http.StatusCreated {
		return fmt.Errorf("PUT /api/servers/%s: %s %s", id, resp.Status(), resp.Body)
	}
	e.servers = append(e.servers, id)
	return nil
}

// start starts server id (204).
func (e *env) start(ctx context.Context, id string) error {
	resp, err := e.c.StartServerWithResponse(ctx, id)
	if err != nil {
		return fmt.Errorf("start %s: %w", id, err)
	}
	if resp.StatusCode() != http.StatusNoContent {
		return fmt.Errorf("start %s: %s %s", id, resp.Status(), resp.Body)
	}
	return nil
}

// close deletes the servers, stops everything and removes the lab and namespaces.
func (e *env) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	var errs []error
	if e.c != nil {
		for _, id := range e.servers {
			if resp, err := e.c.DeleteServerWithResponse(ctx, id, nil); err != nil || resp.StatusCode() != http.StatusNoContent {
				errs = append(errs, fmt.Errorf("delete %s: %v %s", id, err, bodyOf(resp)))
			}
		}
	}
	errs = append(errs, e.lab.Close())
	for _, ns := range e.nss {
		if err := e.dropNamespace(ns); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// dropNamespace removes the images of containerd namespace ns and the namespace (retried for
// a while: containerd's garbage collector removes the snapshots after the images).
func (e *env) dropNamespace(ns string) error {
	var out []byte
	var err error
	for range 40 {
		out, err = exec.Command("sh", "-c", `a="$1"; n="$2"; for i in $(ctr -a "$a" -n "$n" images ls -q); do ctr -a "$a" -n "$n" images rm --sync "$i"; done >/dev/null; ctr -a "$a" namespaces rm "$n"`,
			"sh", e.o.containerd, ns).CombinedOutput()
		if err == nil {
			dirs, _ := filepath.Glob("/sys/fs/cgroup/*/" + ns)
			for _, d := range append(dirs, "/sys/fs/cgroup/"+ns) {
				_ = os.Remove(d) // runc's parent cgroup of the namespace; empty by now
			}
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("remove containerd namespace %s: %w: %s", ns, err, out)
}

// copyImage copies the test image into containerd namespace ns.
func (e *env) copyImage(ns string) error {
	e.nss = append(e.nss, ns)
	out, err := exec.Command("sh", "-c", `ctr -a "$1" -n skypanel images export - "$2" | ctr -a "$1" -n "$3" images import -`,
		"sh", e.o.containerd, e.o.image, ns).CombinedOutput()
	if err != nil {
		return fmt.Errorf("copy %s into containerd namespace %s: %w: %s", e.o.image, ns, err, out)
	}
	return nil
}

func ptrTo[T any](v T) *T { return &v }

func bodyOf(r *api.DeleteServerResponse) string {
	if r == nil {
		return ""
	}
	return r.Status() + " " + string(r.Body)
}
