package nodeapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/transfer"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// readAll reads a file of a server through the Service.
func xferRead(t *testing.T, s *Service, id, path string) string {
	t.Helper()
	r, err := s.ReadFile(t.Context(), id, path, 1, 1)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	defer r.File.Body.Close()
	b, err := io.ReadAll(r.File.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func xferConsoleHas(t *testing.T, s *Service, id, text string) bool {
	t.Helper()
	page, err := s.Console(t.Context(), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range page.Lines {
		if strings.HasPrefix(l, daemon.DaemonPrefix) && strings.Contains(l, text) {
			return true
		}
	}
	return false
}

// A server with files and a backup moves from one Service to another; the running server is
// refused first; both consoles tell what happened.
func TestServiceExportImport(t *testing.T) {
	a, _ := newTestService(t)
	b, _ := newTestService(t)
	ctx := t.Context()
	xferMust(t, a.CreateServer(ctx, testDef("mv")))
	xferMust(t, a.WriteFile(ctx, "mv", "world/level.dat", strings.NewReader("level"), 5))
	bk, err := a.CreateBackup(ctx, "mv", 3)
	xferMust(t, err)
	bk = waitBackup(t, a, "mv", bk.Id)
	xferMust(t, a.WriteFile(ctx, "mv", "after.txt", strings.NewReader("after"), 5))

	xferMust(t, a.Power(ctx, "mv", daemonapi.PowerRequestActionStart))
	if _, err := a.Export(ctx, "mv", io.Discard); !errors.Is(err, daemon.ErrInvalidState) {
		t.Fatalf("export of a running server: %v; want ErrInvalidState", err)
	}
	xferMust(t, a.Power(ctx, "mv", daemonapi.PowerRequestActionStop))
	waitState(t, a, "mv", daemonapi.StateStopped)

	var buf bytes.Buffer
	sum, err := a.Export(ctx, "mv", &buf)
	xferMust(t, err)
	if !xferConsoleHas(t, a, "mv", "Transfer: "+transfer.Size(int64(buf.Len()))+" sent") {
		t.Error("the source's console does not tell the bytes sent")
	}
	xferMust(t, b.CreateServer(ctx, testDef("mv")))
	res, err := b.Import(ctx, "mv", bytes.NewReader(buf.Bytes()), sum)
	xferMust(t, err)
	if res.Sha256 != sum || res.Bytes != int64(buf.Len()) {
		t.Fatalf("import = %+v; want %s, %d bytes", res, sum, buf.Len())
	}
	if got := xferRead(t, b, "mv", "world/level.dat"); got != "level" {
		t.Fatalf("level.dat = %q", got)
	}
	list, err := b.ListBackups(ctx, "mv")
	xferMust(t, err)
	if len(list) != 1 || list[0] != bk {
		t.Fatalf("backups on the target = %+v; want %+v", list, bk)
	}
	xferMust(t, b.RestoreBackup(ctx, "mv", bk.Id, false))
	if _, err := b.ReadFile(ctx, "mv", "after.txt", 1, 1); err == nil {
		t.Fatal("after.txt survived restoring the imported backup taken before it")
	}
	if !xferConsoleHas(t, b, "mv", "received") {
		t.Error("the target's console does not tell what it received")
	}
	// the target's disk usage counts the imported files: a write over the limit is refused
	err = b.WriteFile(ctx, "mv", "big", bytes.NewReader(make([]byte, 10<<20)), 10<<20)
	if err == nil {
		t.Fatal("a write over the disk limit after the import was accepted")
	}
}

// Import refusals, each leaving the target empty: a running target, a target with files, a
// wrong sha256, a broken archive; the errors carry the node API's codes.
func TestServiceImportRefusals(t *testing.T) {
	a, _ := newTestService(t)
	b, _ := newTestService(t)
	ctx := t.Context()
	xferMust(t, a.CreateServer(ctx, testDef("mv")))
	xferMust(t, a.WriteFile(ctx, "mv", "f", strings.NewReader("x"), 1))
	var buf bytes.Buffer
	sum, err := a.Export(ctx, "mv", &buf)
	xferMust(t, err)
	xferMust(t, b.CreateServer(ctx, testDef("mv")))

	xferMust(t, b.Power(ctx, "mv", daemonapi.PowerRequestActionStart))
	_, err = b.Import(ctx, "mv", bytes.NewReader(buf.Bytes()), "")
	if code, _ := CodeOf(err); code != daemonapi.DaemonErrorCodeErrInvalidState {
		t.Fatalf("import into a running server: %v (%s); want ErrInvalidState", err, code)
	}
	xferMust(t, b.Power(ctx, "mv", daemonapi.PowerRequestActionStop))
	waitState(t, b, "mv", daemonapi.StateStopped)

	wrong := strings.Repeat("0", 64)
	_, err = b.Import(ctx, "mv", bytes.NewReader(buf.Bytes()), wrong)
	if code, _ := CodeOf(err); code != daemonapi.DaemonErrorCodeErrChecksumMismatch || !errors.Is(err, ErrChecksumMismatch) {
		t.Fatalf("wrong sha: %v (%s); want ErrChecksumMismatch", err, code)
	}
	_, err = b.Import(ctx, "mv", bytes.NewReader(buf.Bytes()[:buf.Len()/2]), "")
	if code, _ := CodeOf(err); code != daemonapi.DaemonErrorCodeErrArchiveInvalid {
		t.Fatalf("truncated archive: %v (%s); want ErrArchiveInvalid", err, code)
	}
	if _, err := b.Import(ctx, "mv", bytes.NewReader(buf.Bytes()), "NOT-HEX"); !errors.Is(err, ErrFieldInvalid) {
		t.Fatalf("malformed sha: %v; want ErrFieldInvalid", err)
	}
	if r, err := b.ReadFile(ctx, "mv", "/", 1, 10); err != nil || len(r.Listing.Entries) != 0 {
		t.Fatalf("target after refused imports: %+v, %v; want empty", r.Listing, err)
	}
	if _, err := b.Import(ctx, "mv", bytes.NewReader(buf.Bytes()), sum); err != nil {
		t.Fatalf("the good archive after the refusals: %v", err)
	}
	_, err = b.Import(ctx, "mv", bytes.NewReader(buf.Bytes()), sum)
	if code, _ := CodeOf(err); code != daemonapi.DaemonErrorCodeErrInvalidState {
		t.Fatalf("import into a server with files: %v (%s); want ErrInvalidState", err, code)
	}
	if _, err := b.Import(ctx, "nosuch", bytes.NewReader(buf.Bytes()), ""); !errors.Is(err, daemon.ErrNotFound) {
		t.Fatalf("import into an unknown server: %v", err)
	}
}

// While an export streams, the server holds its power lock: a start waits (and gives up when
// its context ends) and the server stays stopped.
func TestServiceExportHoldsPowerLock(t *testing.T) {
	a, _ := newTestService(t)
	ctx := t.Context()
	xferMust(t, a.CreateServer(ctx, testDef("mv")))
	xferMust(t, a.WriteFile(ctx, "mv", "f", bytes.NewReader(make([]byte, 1<<20)), 1<<20))
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := a.Export(ctx, "mv", pw)
		pw.CloseWithError(err)
		done <- err
	}()
	if _, err := pr.Read(make([]byte, 512)); err != nil { // the export runs and is blocked on the pipe
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	err := a.Power(sctx, "mv", daemonapi.PowerRequestActionStart)
	cancel()
	if err == nil {
		t.Fatal("the server started while its export streamed")
	}
	if st, _ := a.Status(ctx, "mv"); st.State != daemonapi.StateStopped {
		t.Fatalf("state during the export = %s", st.State)
	}
	if _, err := io.Copy(io.Discard, pr); err != nil {
		t.Fatal(err)
	}
	xferMust(t, <-done)
	xferMust(t, a.Power(ctx, "mv", daemonapi.PowerRequestActionStart))
}

func xferMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
