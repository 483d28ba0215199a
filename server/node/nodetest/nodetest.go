// Package nodetest is the contract every nodeapi.Node passes: one table of behaviours (Run)
// run against the in-process *nodeapi.Service and against the panel's Remote talking to
// nodeapi.Handler over HTTP, so the local and remote nodes cannot drift apart. It also builds
// both (NewService, Serve) for other tests.
package nodetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// Timeout bounds every wait of the contract; it only turns a hang into a failure.
const Timeout = 30 * time.Second

// Env is a node under test.
type Env struct {
	Node nodeapi.Node
	// NodeID is the id Health reports.
	NodeID int
	// Def returns a valid definition of a new server id that runs on the node: its startup
	// prints "ready" then answers each stdin line L with EchoPrefix+L and stops on "stop".
	Def func(id string) daemonapi.Definition
	// EchoPrefix is what the server prints before an echoed command.
	EchoPrefix string
}

// Case is one behaviour of the contract.
type Case struct {
	Name string
	Fn   func(t *testing.T, env Env)
}

// Cases is the contract's table.
func Cases() []Case {
	return []Case{
		{"Identity", testIdentity},
		{"CreateUpdateDelete", testCreateUpdateDelete},
		{"PowerAndConsole", testPowerAndConsole},
		{"Install", testInstall},
		{"InstallWipe", testInstallWipe},
		{"SuspendedRefused", testSuspendedRefused},
		{"UpdateSuspendsRunning", testUpdateSuspendsRunning},
		{"Errors", testErrors},
		{"EventsBacklogAndLive", testEventsBacklogAndLive},
		{"EventsSlowReaderDrops", testEventsSlowReaderDrops},
		{"EventsEndOnDelete", testEventsEndOnDelete},
		{"FilesReadWrite", testFilesReadWrite},
		{"FilesRangeAndETag", testFilesRangeAndETag},
		{"FilesFoldersAndDeletes", testFilesFoldersAndDeletes},
		{"FilesErrors", testFilesErrors},
		{"Backups", testBackups},
		{"BackupErrors", testBackupErrors},
		{"ExportImport", testExportImport},
	}
}

// Run runs every case; newEnv is called once per case and returns a fresh node.
func Run(t *testing.T, newEnv func(t *testing.T) Env) {
	for _, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) { c.Fn(t, newEnv(t)) })
	}
}

// ctx is a test context bounded by Timeout.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), Timeout)
	t.Cleanup(cancel)
	return c
}

// mustIs fails unless err matches want.
func mustIs(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want %v", what, err, want)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// create creates a server with env.Def(id) and removes it at the end.
func create(t *testing.T, env Env, id string) daemonapi.Definition {
	t.Helper()
	def := env.Def(id)
	must(t, "create "+id, env.Node.CreateServer(ctx(t), def))
	t.Cleanup(func() { _ = env.Node.DeleteServer(context.Background(), id) })
	return def
}

// waitState polls until the server is in state want.
func waitState(t *testing.T, env Env, id string, want daemonapi.State) daemonapi.Status {
	t.Helper()
	c := ctx(t)
	for {
		st, err := env.Node.Status(c, id)
		if err == nil && st.State == want {
			return st
		}
		select {
		case <-c.Done():
			t.Fatalf("server %s never became %s (last %+v, %v)", id, want, st, err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// waitConsole polls the console until a line equal to want appears.
func waitConsole(t *testing.T, env Env, id, want string) {
	t.Helper()
	c := ctx(t)
	var last []string
	for {
		p, err := env.Node.Console(c, id, 0)
		if err == nil {
			for _, l := range p.Lines {
				if l == want {
					return
				}
			}
			last = p.Lines
		}
		select {
		case <-c.Done():
			t.Fatalf("console of %s never showed %q (last %q, %v)", id, want, last, err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func ptr[T any](v T) *T { return &v }
