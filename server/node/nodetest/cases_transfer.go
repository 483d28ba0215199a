package nodetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// testExportImport: a stopped server's archive (files and a finished backup) fills another,
// new server; the sha256 Export returns is the one of its bytes and the one Import reports;
// a running source, a wrong sha256, a truncated archive and a target with files are refused
// with the node API's errors; the panel's console notices reach the console.
func testExportImport(t *testing.T, env Env) {
	c := ctx(t)
	create(t, env, "ex")
	must(t, "write", env.Node.WriteFile(c, "ex", "world/level.dat", strings.NewReader("LEVEL"), 5))
	b, err := env.Node.CreateBackup(c, "ex", 3)
	must(t, "create backup", err)
	b = waitBackup(t, env, "ex", b.Id)
	must(t, "start", env.Node.Power(c, "ex", daemonapi.PowerRequestActionStart))
	waitState(t, env, "ex", daemonapi.StateRunning)
	_, err = env.Node.Export(c, "ex", &bytes.Buffer{})
	mustIs(t, "export of a running server", err, daemon.ErrInvalidState)
	must(t, "stop", env.Node.Power(c, "ex", daemonapi.PowerRequestActionStop))
	waitState(t, env, "ex", daemonapi.StateStopped)

	var archive bytes.Buffer
	sum, err := env.Node.Export(c, "ex", &archive)
	must(t, "export", err)
	if h := sha256.Sum256(archive.Bytes()); sum != hex.EncodeToString(h[:]) {
		t.Fatalf("export sha256 %s is not the one of its %d bytes", sum, archive.Len())
	}
	create(t, env, "im")
	_, err = env.Node.Import(c, "im", bytes.NewReader(archive.Bytes()), strings.Repeat("0", 64))
	mustIs(t, "import with a wrong sha256", err, nodeapi.ErrChecksumMismatch)
	_, err = env.Node.Import(c, "im", bytes.NewReader(archive.Bytes()[:archive.Len()/2]), "")
	mustIs(t, "import of a truncated archive", err, nodeapi.ErrArchiveInvalid)
	res, err := env.Node.Import(c, "im", bytes.NewReader(archive.Bytes()), sum)
	must(t, "import", err)
	if res.Sha256 != sum || res.Bytes != int64(archive.Len()) {
		t.Fatalf("import = %+v; want %s, %d bytes", res, sum, archive.Len())
	}
	if _, got := readAll(t, env, "im", "world/level.dat"); got != "LEVEL" {
		t.Fatalf("imported file %q", got)
	}
	list, err := env.Node.ListBackups(c, "im")
	must(t, "list imported backups", err)
	if len(list) != 1 || list[0].Id != b.Id || list[0].Sha256 != b.Sha256 {
		t.Fatalf("imported backups %+v; want %+v", list, b)
	}
	_, err = env.Node.Import(c, "im", bytes.NewReader(archive.Bytes()), "")
	mustIs(t, "import into a server with files", err, daemon.ErrInvalidState)

	if no, ok := env.Node.(nodeapi.Noticer); ok {
		must(t, "notice", no.Notice(c, "im", "Transfer from node 1 done"))
		waitConsole(t, env, "im", daemon.DaemonPrefix+"Transfer from node 1 done")
	}
}
