package transfer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/skypanel/skypanel/daemon/backup"
)

// A server with files and two backups moves between two nodes: same tree (names byte-exact,
// modes, mtimes, links), same backups (metadata and archives, and they restore), files given
// to the target volume's owner, matching sha256s on both sides.
func TestExportImportRoundTrip(t *testing.T) {
	src, dst := newNode(t), newNode(t)
	vol := src.volume(t, "srv", 0)
	fill(t, vol)
	b1 := src.backupDone(t, "srv", vol)
	must(t, os.WriteFile(filepath.Join(vol, "after-backup"), []byte("later"), 0o640))
	b2 := src.backupDone(t, "srv", vol)
	want := tree(t, vol, true)

	var buf bytes.Buffer
	sum, err := Export(context.Background(), &buf, Source{Server: "srv", Volume: vol, Backups: src.m})
	must(t, err)
	if !backup.ValidSHA256(sum) {
		t.Fatalf("export sha = %q", sum)
	}
	const uid = 40123
	tvol := dst.volume(t, "srv", uid)
	res, err := Import(context.Background(), bytes.NewReader(buf.Bytes()), Dest{Server: "srv", Volume: tvol,
		Backups: dst.m, LimitBytes: 64 << 20, ExpectSHA: sum})
	must(t, err)
	if res.SHA256 != sum || res.Bytes != int64(buf.Len()) || res.Backups != 2 {
		t.Fatalf("result = %+v; want sha %s, %d bytes, 2 backups", res, sum, buf.Len())
	}
	if got := tree(t, tvol, true); got != want {
		t.Fatalf("tree differs:\n got %s\nwant %s", got, want)
	}
	if des, _ := os.ReadDir(dst.vols); len(des) != 1 {
		t.Fatalf("volumes folder = %v; staging left", des)
	}
	if got := owners(t, tvol); len(got) != 1 || !got["40123:40123"] {
		t.Fatalf("owners = %v; want only the volume's owner %d", got, uid)
	}
	fi, err := os.Stat(tvol)
	must(t, err)
	sfi, err := os.Stat(vol)
	must(t, err)
	if fi.Mode().Perm() != 0o750 || !fi.ModTime().Equal(sfi.ModTime()) {
		t.Fatalf("volume mode %v, mtime %v; want the target's 0750 kept and the source's mtime %v",
			fi.Mode(), fi.ModTime(), sfi.ModTime())
	}
	list, err := dst.m.List("srv")
	must(t, err)
	if len(list) != 2 || list[0] != b2 || list[1] != b1 {
		t.Fatalf("backups = %+v; want %+v, %+v", list, b2, b1)
	}
	// the imported backup restores to the tree it was taken of (backups keep mtimes to the second)
	must(t, os.Remove(filepath.Join(tvol, "after-backup")))
	before := tree(t, tvol, false)
	must(t, dst.m.Restore(context.Background(), "srv", b1.ID, tvol, backup.RestoreOptions{}))
	if got := tree(t, tvol, false); got != before {
		t.Fatalf("restored imported backup differs:\n got %s\nwant %s", got, before)
	}
}

// Without ExpectSHA the import still reports the sha256 of what it read; an empty volume and
// no backups transfer too.
func TestEmptyServer(t *testing.T) {
	src, dst := newNode(t), newNode(t)
	vol := src.volume(t, "srv", 0)
	var buf bytes.Buffer
	sum, err := Export(context.Background(), &buf, Source{Server: "srv", Volume: vol, Backups: src.m})
	must(t, err)
	tvol := dst.volume(t, "srv", 0)
	res, err := Import(context.Background(), &buf, Dest{Server: "srv", Volume: tvol, Backups: dst.m})
	must(t, err)
	if res.SHA256 != sum || res.Entries != 0 || res.Backups != 0 {
		t.Fatalf("result = %+v; want sha %s and nothing", res, sum)
	}
}

func TestImportRefusesNonEmptyTarget(t *testing.T) {
	src, dst := newNode(t), newNode(t)
	vol := src.volume(t, "srv", 0)
	fill(t, vol)
	var buf bytes.Buffer
	_, err := Export(context.Background(), &buf, Source{Server: "srv", Volume: vol})
	must(t, err)
	tvol := dst.volume(t, "srv", 0)
	must(t, os.WriteFile(filepath.Join(tvol, "mine"), []byte("keep"), 0o644))
	_, err = Import(context.Background(), bytes.NewReader(buf.Bytes()), Dest{Server: "srv", Volume: tvol, Backups: dst.m})
	if !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("import into a folder with files: %v; want ErrNotEmpty", err)
	}
	if b, _ := os.ReadFile(filepath.Join(tvol, "mine")); string(b) != "keep" {
		t.Fatal("the target's own file was touched")
	}
	must(t, os.Remove(filepath.Join(tvol, "mine")))
	dst.backupDone(t, "srv", tvol)
	_, err = Import(context.Background(), bytes.NewReader(buf.Bytes()), Dest{Server: "srv", Volume: tvol, Backups: dst.m})
	if !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("import into a server with a backup: %v; want ErrNotEmpty", err)
	}
}

// A source that fails mid-stream: its error comes back (not an invalid archive) and nothing
// is left.
func TestImportSourceFails(t *testing.T) {
	src, dst := newNode(t), newNode(t)
	vol := src.volume(t, "srv", 0)
	fill(t, vol)
	src.backupDone(t, "srv", vol)
	var buf bytes.Buffer
	_, err := Export(context.Background(), &buf, Source{Server: "srv", Volume: vol, Backups: src.m})
	must(t, err)
	boom := errors.New("the source node went away")
	for _, at := range []int{100, buf.Len() / 2, buf.Len() - 2000} {
		tvol := filepath.Join(dst.vols, "srv")
		if _, err := os.Stat(tvol); err != nil {
			dst.volume(t, "srv", 0)
		}
		r := io.MultiReader(bytes.NewReader(buf.Bytes()[:at]), errReader{boom})
		_, err := Import(context.Background(), r, Dest{Server: "srv", Volume: tvol, Backups: dst.m})
		if !errors.Is(err, boom) {
			t.Fatalf("cut at %d: %v; want the source's error", at, err)
		}
		dst.assertNothingLeft(t, "srv")
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// A cancelled context stops the import; nothing is left.
func TestImportCancelled(t *testing.T) {
	src, dst := newNode(t), newNode(t)
	vol := src.volume(t, "srv", 0)
	fill(t, vol)
	var buf bytes.Buffer
	_, err := Export(context.Background(), &buf, Source{Server: "srv", Volume: vol})
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tvol := dst.volume(t, "srv", 0)
	if _, err := Import(ctx, &buf, Dest{Server: "srv", Volume: tvol, Backups: dst.m}); !errors.Is(err, context.Canceled) {
		t.Fatalf("import: %v; want context.Canceled", err)
	}
	dst.assertNothingLeft(t, "srv")
}

// Export refuses a volume a backup would refuse (here a sparse file) before writing any of
// its files.
func TestExportRefusesSparseFiles(t *testing.T) {
	src := newNode(t)
	vol := src.volume(t, "srv", 0)
	must(t, os.WriteFile(filepath.Join(vol, "a"), []byte("data"), 0o644))
	// a sparse file of 1 GiB (holes only) is refused like a backup refuses it
	f, err := os.Create(filepath.Join(vol, "sparse"))
	must(t, err)
	must(t, f.Truncate(1<<30))
	must(t, f.Close())
	var buf bytes.Buffer
	_, err = Export(context.Background(), &buf, Source{Server: "srv", Volume: vol})
	if !errors.Is(err, backup.ErrSparse) || bytes.Contains(buf.Bytes(), []byte("volume/a")) {
		t.Fatalf("export of a sparse file: %v (%d bytes written); want ErrSparse before the files", err, buf.Len())
	}
}
