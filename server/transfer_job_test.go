package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/gen/daemonapi"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/fake"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/store"
)

// xferEnv is a panel database with two nodes, each a real *nodeapi.Service (daemon.Manager,
// files, backups) over the fake runtime, and one server on the first node with files and a
// finished backup.
type xferEnv struct {
	db           *ent.Client
	log          *slog.Logger
	a, b         *nodeapi.Service
	srcID, dstID int
	s            *ent.Server
	backup       daemonapi.Backup
}

const (
	xferID      = "MV000001"
	xferContent = "LEVELDATA"
)

func newXferNode(t testing.TB, log *slog.Logger, id int) *nodeapi.Service {
	t.Helper()
	dir := t.TempDir()
	runtimes := map[string]rt.Runtime{rt.EnvStandard: fake.New(fake.Options{Environment: rt.EnvStandard, ExitOnLine: "stop"})}
	m, err := daemon.New(daemon.Options{DataDir: dir, Runtimes: runtimes, Logger: log,
		StopTimeout: 2 * time.Second, TermTimeout: time.Second})
	xferMust(t, err)
	xferMust(t, m.Load(t.Context()))
	s, err := nodeapi.New(nodeapi.Options{DataDir: dir, Runtimes: runtimes, Manager: m, Logger: log, NodeID: id})
	xferMust(t, err)
	xferMust(t, s.Open())
	t.Cleanup(func() { s.Close(); m.Close() })
	return s
}

func newXferEnv(t testing.TB) *xferEnv {
	t.Helper()
	ctx := t.Context()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
	st, err := store.Open(ctx, t.TempDir(), log)
	xferMust(t, err)
	t.Cleanup(func() { _ = st.Close() })
	db := st.Client
	u, err := db.User.Create().SetUsername("owner").SetEmail("owner@example.com").SetPasswordHash("x").Save(ctx)
	xferMust(t, err)
	n1, err := db.Node.Create().SetName("one").Save(ctx)
	xferMust(t, err)
	n2, err := db.Node.Create().SetName("two").Save(ctx)
	xferMust(t, err)
	s, err := db.Server.Create().SetID(xferID).SetName("mv").SetOwnerID(u.ID).SetNodeID(n1.ID).SetPort(25565).
		SetEnvironmentType("standard").SetStartup("echo ready; read line").SetMemory(256).SetDisk(10).Save(ctx)
	xferMust(t, err)
	e := &xferEnv{db: db, log: log, a: newXferNode(t, log, n1.ID), b: newXferNode(t, log, n2.ID),
		srcID: n1.ID, dstID: n2.ID, s: s}
	xferMust(t, e.a.CreateServer(ctx, e.definition(t, s)))
	xferMust(t, e.a.WriteFile(ctx, xferID, "world/level.dat", strings.NewReader(xferContent), int64(len(xferContent))))
	bk, err := e.a.CreateBackup(ctx, xferID, 3)
	xferMust(t, err)
	for bk.State == daemonapi.BackupStateRunning {
		time.Sleep(5 * time.Millisecond)
		bk, err = e.a.GetBackup(ctx, xferID, bk.Id)
		xferMust(t, err)
	}
	e.backup = bk
	return e
}

// job is the transfer of the server from a to b, through the given clients (the Services, or
// wrappers injecting a fault).
func (e *xferEnv) job(t *testing.T, src, dst node.Client) *transferJob {
	return &transferJob{db: e.db, log: e.log, id: xferID, def: e.definition(t, e.s), src: src, dst: dst, srcID: e.srcID, dstID: e.dstID}
}

// definition is definitionOf(s) (no template here: it cannot fail).
func (e *xferEnv) definition(tb testing.TB, s *ent.Server) daemonapi.Definition {
	d, err := definitionOf(tb.Context(), e.db, s)
	xferMust(tb, err)
	return d
}

func (e *xferEnv) nodeOfServer(t *testing.T) int {
	s, err := e.db.Server.Get(t.Context(), xferID)
	xferMust(t, err)
	return s.NodeID
}

// assertWhole checks the server is on n with its file and backup, and the other node has none.
func (e *xferEnv) assertWhole(t *testing.T, on, other *nodeapi.Service) {
	t.Helper()
	ctx := t.Context()
	r, err := on.ReadFile(ctx, xferID, "world/level.dat", 1, 1)
	xferMust(t, err)
	b, _ := io.ReadAll(r.File.Body)
	r.File.Body.Close()
	if string(b) != xferContent {
		t.Fatalf("level.dat = %q", b)
	}
	list, err := on.ListBackups(ctx, xferID)
	xferMust(t, err)
	if len(list) != 1 || list[0] != e.backup {
		t.Fatalf("backups = %+v; want %+v", list, e.backup)
	}
	if _, err := other.Status(ctx, xferID); !errors.Is(err, daemon.ErrNotFound) {
		t.Fatalf("the other node still has the server: %v", err)
	}
}

func xferConsole(t *testing.T, n *nodeapi.Service) string {
	t.Helper()
	page, err := n.Console(t.Context(), xferID, 0)
	xferMust(t, err)
	return strings.Join(page.Lines, "\n")
}

func waitXferState(t *testing.T, n *nodeapi.Service, want daemonapi.State) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second) // only turns a hang into a failure
	for {
		st, err := n.Status(t.Context(), xferID)
		if err == nil && st.State == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("state never became %s (last %+v, %v)", want, st, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTransferMovesServer(t *testing.T) {
	e := newXferEnv(t)
	e.job(t, e.a, e.b).run(t.Context())
	if got := e.nodeOfServer(t); got != e.dstID {
		t.Fatalf("node after the transfer = %d; want %d", got, e.dstID)
	}
	e.assertWhole(t, e.b, e.a)
	if st, _ := e.b.Status(t.Context(), xferID); st.State != daemonapi.StateStopped {
		t.Fatalf("a stopped server is %s after the transfer", st.State)
	}
	if c := xferConsole(t, e.b); !strings.Contains(c, "Transfer from node 1 done") || !strings.Contains(c, "received") {
		t.Fatalf("target console:\n%s", c)
	}
}

func TestTransferRunningServerRestartsOnTarget(t *testing.T) {
	e := newXferEnv(t)
	xferMust(t, e.a.Power(t.Context(), xferID, daemonapi.PowerRequestActionStart))
	waitXferState(t, e.a, daemonapi.StateRunning)
	e.job(t, e.a, e.b).run(t.Context())
	if got := e.nodeOfServer(t); got != e.dstID {
		t.Fatalf("node after the transfer = %d; want %d", got, e.dstID)
	}
	waitXferState(t, e.b, daemonapi.StateRunning)
	e.assertWhole(t, e.b, e.a)
}

// brokenSource's export dies after some bytes (the source node went away mid-stream).
type brokenSource struct {
	*nodeapi.Service
	after int64
}

func (s brokenSource) Export(ctx context.Context, id string, w io.Writer) (string, error) {
	return s.Service.Export(ctx, id, &failAfter{w: w, n: s.after})
}

type failAfter struct {
	w io.Writer
	n int64
}

var errNodeGone = errors.New("the source node went away")

func (f *failAfter) Write(p []byte) (int, error) {
	if int64(len(p)) > f.n {
		n, _ := f.w.Write(p[:f.n])
		f.n = 0
		return n, errNodeGone
	}
	f.n -= int64(len(p))
	return f.w.Write(p)
}

// brokenTarget's import loses its connection after some bytes (the target sees a broken stream).
type brokenTarget struct {
	*nodeapi.Service
	after int64
}

func (s brokenTarget) Import(ctx context.Context, id string, r io.Reader, sha string) (daemonapi.ImportResult, error) {
	return s.Service.Import(ctx, id, io.MultiReader(io.LimitReader(r, s.after), errorReader{errNodeGone}), sha)
}

type errorReader struct{ err error }

func (e errorReader) Read([]byte) (int, error) { return 0, e.err }

// corruptLink flips a byte of the stream between the source and the panel: the archive stays
// valid (the byte is in a file's content) but the sha256s differ.
type corruptLink struct{ *nodeapi.Service }

func (s corruptLink) Export(ctx context.Context, id string, w io.Writer) (string, error) {
	return s.Service.Export(ctx, id, flipper{w})
}

type flipper struct{ w io.Writer }

func (f flipper) Write(p []byte) (int, error) {
	if i := bytes.Index(p, []byte(xferContent)); i >= 0 {
		p = bytes.Clone(p)
		p[i] ^= 0x20 // "lEVELDATA"
	}
	return f.w.Write(p)
}

// Every failure leaves the server whole on its source (running again when it ran) and
// nothing on the target.
func TestTransferFailuresLeaveSourceWhole(t *testing.T) {
	cases := []struct {
		name     string
		running  bool
		src, dst func(e *xferEnv) node.Client
	}{
		{"source dies mid-stream", true,
			func(e *xferEnv) node.Client { return brokenSource{e.a, 3000} }, func(e *xferEnv) node.Client { return e.b }},
		{"target fails mid-stream", false,
			func(e *xferEnv) node.Client { return e.a }, func(e *xferEnv) node.Client { return brokenTarget{e.b, 3000} }},
		{"checksum mismatch", true,
			func(e *xferEnv) node.Client { return corruptLink{e.a} }, func(e *xferEnv) node.Client { return e.b }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newXferEnv(t)
			if tc.running {
				xferMust(t, e.a.Power(t.Context(), xferID, daemonapi.PowerRequestActionStart))
				waitXferState(t, e.a, daemonapi.StateRunning)
			}
			e.job(t, tc.src(e), tc.dst(e)).run(t.Context())
			if got := e.nodeOfServer(t); got != e.srcID {
				t.Fatalf("node after a failed transfer = %d; want the source %d", got, e.srcID)
			}
			e.assertWhole(t, e.a, e.b)
			if tc.running {
				waitXferState(t, e.a, daemonapi.StateRunning)
			} else if st, _ := e.a.Status(t.Context(), xferID); st.State != daemonapi.StateStopped {
				t.Fatalf("a stopped server is %s after a failed transfer", st.State)
			}
			if c := xferConsole(t, e.a); !strings.Contains(c, "Transfer to node 2 failed") {
				t.Fatalf("source console:\n%s", c)
			}
		})
	}
}

func xferMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// cancelSource cancels the transfer's context after some bytes (the panel shuts down: the
// App cancels its transfers).
type cancelSource struct {
	*nodeapi.Service
	cancel context.CancelFunc
}

func (s cancelSource) Export(ctx context.Context, id string, w io.Writer) (string, error) {
	return s.Service.Export(ctx, id, &cancelAfter{w: w, n: 3000, cancel: s.cancel})
}

type cancelAfter struct {
	w      io.Writer
	n      int64
	cancel context.CancelFunc
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	if c.n -= int64(len(p)); c.n < 0 {
		c.cancel()
	}
	return c.w.Write(p)
}

// A transfer cancelled mid-stream (panel shutdown) fails cleanly: the server is whole on its
// source and runs again.
func TestTransferCancelled(t *testing.T) {
	e := newXferEnv(t)
	xferMust(t, e.a.Power(t.Context(), xferID, daemonapi.PowerRequestActionStart))
	waitXferState(t, e.a, daemonapi.StateRunning)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	e.job(t, cancelSource{e.a, cancel}, e.b).run(ctx)
	if got := e.nodeOfServer(t); got != e.srcID {
		t.Fatalf("node after a cancelled transfer = %d; want %d", got, e.srcID)
	}
	e.assertWhole(t, e.a, e.b)
	waitXferState(t, e.a, daemonapi.StateRunning)
}
