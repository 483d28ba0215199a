package node_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/gen/daemonapi"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/node/nodetest"
)

// olderDaemon puts a proxy in front of d's real handler that turns it into a daemon without
// some operations: lacks(r) rewrites a request for a missing operation into one the handler
// does not have (another path or method), so the 404/405 the Remote gets is the real
// handler's, after its real token check.
func olderDaemon(t *testing.T, d *nodetest.Daemon, lacks func(*http.Request)) *httptest.Server {
	t.Helper()
	target, _ := url.Parse(d.Server.URL)
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		lacks(pr.Out)
	}})
	t.Cleanup(proxy.Close)
	return proxy
}

// TestRemoteDaemonTooOld: a node whose daemon lacks an operation (404 ErrRouteNotFound, 405
// ErrMethodNotAllowed) gives a *TooOldError naming the operation: ErrDaemonTooOld, not a
// missing server or file, and not an unavailable node (the node is not marked down); the
// operations the daemon has keep working.
func TestRemoteDaemonTooOld(t *testing.T) {
	ctx := context.Background()
	d := nodetest.Serve(t, nodetest.NewService(t, 5), 5, nodetest.NewSigner(t))
	if err := d.Remote(t, nil).CreateServer(ctx, nodetest.Def("old")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		lacks func(*http.Request)
		call  func(r *node.Remote) error
		op    string
		code  error // the node's answer
	}{
		{"path missing", func(r *http.Request) {
			if r.Method == http.MethodPut && r.URL.Path == "/v1/servers/old" {
				r.URL.Path, r.URL.RawPath = "/v0/servers/old", ""
			}
		}, func(r *node.Remote) error { _, err := r.UpdateServer(ctx, nodetest.Def("old")); return err }, "updateServer", nodeapi.ErrRouteNotFound},
		{"method missing", func(r *http.Request) {
			if r.Method == http.MethodPut && r.URL.Path == "/v1/servers/old/backup-commands" {
				r.Method = http.MethodPatch
			}
		}, func(r *node.Remote) error {
			return r.SetBackupCommands(ctx, "old", daemonapi.BackupCommands{})
		}, "setBackupCommands", nodeapi.ErrMethodNotAllowed},
		{"file download path missing", func(r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/files") {
				r.URL.Path += "-v2"
			}
		}, func(r *node.Remote) error {
			_, err := r.ReadFile(ctx, "old", "/", 1, 10)
			return err
		}, "readFile", nodeapi.ErrRouteNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var failures atomic.Int32
			r := remoteOverWith(t, 5, olderDaemon(t, d, tc.lacks), d, func(error) { failures.Add(1) })
			err := tc.call(r)
			checkTooOld(t, err, 5, tc.op, tc.code)
			if failures.Load() != 0 {
				t.Errorf("a daemon too old for %s marked the node down", tc.op)
			}
			if _, err := r.Health(ctx); err != nil {
				t.Errorf("health through the older daemon: %v", err)
			}
			if _, err := r.Status(ctx, "nope"); !errors.Is(err, daemon.ErrNotFound) {
				t.Errorf("a missing server is still ErrNotFound: %v", err)
			}
		})
	}
}

// TestRemoteDaemonBeforeRouteCodes: daemons older than ErrRouteNotFound answered an unknown
// route or method with 404 ErrFieldInvalid; the Remote reads that as too old too, while
// ErrFieldInvalid with its usual 400 stays a field error.
func TestRemoteDaemonBeforeRouteCodes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status := http.StatusNotFound
		if r.Method == http.MethodDelete {
			status = http.StatusBadRequest
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"error":{"code":"ErrFieldInvalid","msg":"no such operation: `+r.Method+` `+r.URL.Path+`"}}`)
	}))
	t.Cleanup(srv.Close)
	d := nodetest.Serve(t, nodetest.NewService(t, 6), 6, nodetest.NewSigner(t)) // for its checked transport
	r := remoteOverWith(t, 6, srv, d, nil)
	checkTooOld(t, r.Power(context.Background(), "s", daemonapi.PowerRequestActionStart), 6, "power", nodeapi.ErrFieldInvalid)
	err := r.DeleteServer(context.Background(), "s")
	if !errors.Is(err, nodeapi.ErrFieldInvalid) || errors.Is(err, node.ErrDaemonTooOld) {
		t.Fatalf("400 ErrFieldInvalid: %v, want a field error", err)
	}
}

// remoteOverWith is a Remote of node id at srv, signing with d's signer, responses checked
// against daemon.yaml by d's transport.
func remoteOverWith(t *testing.T, id int, srv *httptest.Server, d *nodetest.Daemon, onFailure func(error)) *node.Remote {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	host := u.Hostname()
	p, _ := strconv.Atoi(u.Port())
	r, err := node.NewRemote(node.RemoteOptions{NodeID: id, Host: host, Port: p, Scheme: "http",
		Tokens: d.Signer, Transport: d.Checked, OnFailure: onFailure})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func checkTooOld(t *testing.T, err error, nodeID int, op string, answer error) {
	t.Helper()
	var old *node.TooOldError
	if !errors.As(err, &old) || old.NodeID != nodeID || old.Operation != op {
		t.Fatalf("err = %v (%T), want a TooOldError of node %d for %s", err, err, nodeID, op)
	}
	if !errors.Is(err, node.ErrDaemonTooOld) || !errors.Is(err, answer) {
		t.Errorf("%v does not match ErrDaemonTooOld and %v", err, answer)
	}
	if errors.Is(err, node.ErrUnavailable) || errors.Is(err, daemon.ErrNotFound) {
		t.Errorf("%v matches ErrUnavailable or daemon.ErrNotFound", err)
	}
	if !strings.HasPrefix(err.Error(), "node daemon too old for "+op) {
		t.Errorf("message %q", err.Error())
	}
	if id, ok := node.NodeIDOf(err); !ok || id != nodeID {
		t.Errorf("NodeIDOf = %d %t", id, ok)
	}
}
