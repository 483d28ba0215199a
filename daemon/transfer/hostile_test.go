package transfer

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon/backup"
	"github.com/skypanel/skypanel/daemon/files"
)

// backupEntries appends a backup's metadata and archive (body) to a; mutate edits the metadata.
func backupEntries(a *archive, id string, body []byte, mutate func(*backup.Info)) *archive {
	sum := sha256.Sum256(body)
	in := backup.Info{ID: id, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Size: int64(len(body)),
		SHA256: hex.EncodeToString(sum[:]), State: backup.StateDone, Reason: "manual"}
	if mutate != nil {
		mutate(&in)
	}
	b, _ := json.Marshal(in)
	a.file("backups/"+id+".json", string(b))
	return a.file("backups/"+id+".tar.gz", string(body))
}

// Hostile and broken archives: each is refused with the right sentinel, nothing is written
// outside the staging folder (nor left anywhere), the target stays empty.
func TestImportHostileArchives(t *testing.T) {
	const limit = 1 << 20
	const bid = "backup-20260102-030405"
	outside := t.TempDir() // a symlink in the archive points here
	big := strings.Repeat("x", limit+1)
	valid := newArchive().add(&tar.Header{Typeflag: tar.TypeDir, Name: "volume/"}, nil).
		file("volume/a", "hello").end(Manifest{Entries: 1, VolumeBytes: 5})
	tests := []struct {
		name string
		data func() []byte
		want error // nil: any error
		sha  string
	}{
		{"dot-dot", func() []byte {
			return newArchive().file("volume/../evil", "x").end(Manifest{Entries: 1, VolumeBytes: 1})
		}, ErrArchiveInvalid, ""},
		{"dot-dot inside", func() []byte {
			return newArchive().file("volume/a/../../../evil", "x").end(Manifest{Entries: 1, VolumeBytes: 1})
		}, ErrArchiveInvalid, ""},
		{"absolute", func() []byte { return newArchive().file("/etc/evil", "x").end(Manifest{}) }, ErrArchiveInvalid, ""},
		{"absolute in volume", func() []byte {
			return newArchive().file("volume//etc/evil", "x").end(Manifest{Entries: 1, VolumeBytes: 1})
		}, ErrArchiveInvalid, ""},
		{"symlink then file through it", func() []byte {
			return newArchive().add(&tar.Header{Typeflag: tar.TypeSymlink, Name: "volume/link", Linkname: outside}, nil).
				file("volume/link/pwned", "x").end(Manifest{Entries: 2, VolumeBytes: 1})
		}, ErrArchiveInvalid, ""},
		{"symlink to a parent then file", func() []byte {
			return newArchive().add(&tar.Header{Typeflag: tar.TypeSymlink, Name: "volume/up", Linkname: "../../../../../../"}, nil).
				file("volume/up/"+strings.TrimPrefix(outside, "/")+"/pwned", "x").end(Manifest{Entries: 2, VolumeBytes: 1})
		}, ErrArchiveInvalid, ""},
		{"hard link", func() []byte {
			return newArchive().add(&tar.Header{Typeflag: tar.TypeLink, Name: "volume/h", Linkname: "/etc/passwd"}, nil).
				end(Manifest{Entries: 1})
		}, ErrArchiveInvalid, ""},
		{"device", func() []byte {
			return newArchive().add(&tar.Header{Typeflag: tar.TypeChar, Name: "volume/null", Devmajor: 1, Devminor: 3}, nil).
				end(Manifest{Entries: 1})
		}, ErrArchiveInvalid, ""},
		{"fifo", func() []byte {
			return newArchive().add(&tar.Header{Typeflag: tar.TypeFifo, Name: "volume/p"}, nil).end(Manifest{Entries: 1})
		}, ErrArchiveInvalid, ""},
		{"duplicate file", func() []byte {
			return newArchive().file("volume/a", "1").file("volume/a", "2").end(Manifest{Entries: 2, VolumeBytes: 2})
		}, ErrArchiveInvalid, ""},
		{"over the disk limit", func() []byte {
			return newArchive().file("volume/big", big).end(Manifest{Entries: 1, VolumeBytes: int64(len(big))})
		}, files.ErrDiskLimit, ""},
		{"over the disk limit in many files", func() []byte {
			a := newArchive()
			for i := range 5 {
				a.file("volume/f"+string(rune('0'+i)), big[:limit/4])
			}
			return a.end(Manifest{Entries: 5, VolumeBytes: 5 * limit / 4})
		}, files.ErrDiskLimit, ""},
		{"truncated mid-file", func() []byte { return valid[:520] }, ErrArchiveInvalid, ""},
		{"truncated mid-header", func() []byte { return valid[:100] }, ErrArchiveInvalid, ""},
		{"truncated at an entry boundary (no end marker)", func() []byte {
			a := newArchive().file("volume/a", "hello")
			must(t, a.tw.Close())
			return a.buf.Bytes()
		}, ErrArchiveInvalid, ""},
		{"empty stream", func() []byte { return nil }, ErrArchiveInvalid, ""},
		{"not a tar", func() []byte { return bytes.Repeat([]byte("garbage!"), 200) }, ErrArchiveInvalid, ""},
		{"wrong sha", func() []byte { return valid }, ErrChecksumMismatch, strings.Repeat("ab", 32)},
		{"malformed expected sha", func() []byte { return valid }, ErrArchiveInvalid, "XYZ"},
		{"end marker counts wrong", func() []byte {
			return newArchive().file("volume/a", "hello").end(Manifest{Entries: 1, VolumeBytes: 4})
		}, ErrArchiveInvalid, ""},
		{"end marker of another version", func() []byte {
			return newArchive().file("volume/a", "hello").end(Manifest{Version: 9, Entries: 1, VolumeBytes: 5})
		}, ErrArchiveInvalid, ""},
		{"entry after the end marker", func() []byte {
			a := newArchive().file("volume/a", "hello")
			b, _ := json.Marshal(Manifest{Version: Version, Entries: 1, VolumeBytes: 5})
			a.file(manifestName, string(b)).file("volume/late", "x")
			must(t, a.tw.Close())
			return a.buf.Bytes()
		}, ErrArchiveInvalid, ""},
		{"megabytes after the end", func() []byte {
			return append(bytes.Clone(valid), make([]byte, 2<<20)...)
		}, ErrArchiveInvalid, ""},
		{"unknown entry", func() []byte { return newArchive().file("other/x", "1").end(Manifest{}) }, ErrArchiveInvalid, ""},
		{"oversize metadata", func() []byte {
			return newArchive().file("backups/"+bid+".json", strings.Repeat(" ", 100<<10)).end(Manifest{})
		}, ErrArchiveInvalid, ""},
		{"backup metadata without archive", func() []byte {
			a := backupEntries(newArchive(), bid, []byte("gz"), nil)
			b, _ := json.Marshal(backup.Info{ID: "backup-20260102-030406", State: backup.StateDone})
			return a.file("backups/backup-20260102-030406.json", string(b)).end(Manifest{Backups: 1})
		}, ErrArchiveInvalid, ""},
		{"backup archive without metadata", func() []byte {
			return newArchive().file("backups/"+bid+".tar.gz", "gz").end(Manifest{})
		}, ErrArchiveInvalid, ""},
		{"backup with a wrong sha", func() []byte {
			return backupEntries(newArchive(), bid, []byte("gz"), func(in *backup.Info) {
				in.SHA256 = strings.Repeat("0", 64)
			}).end(Manifest{Backups: 1})
		}, ErrArchiveInvalid, ""},
		{"backup with an unsafe id", func() []byte {
			return backupEntries(newArchive(), "../../x", []byte("gz"), nil).end(Manifest{Backups: 1})
		}, ErrArchiveInvalid, ""},
		{"backup still running", func() []byte {
			return backupEntries(newArchive(), bid, []byte("gz"), func(in *backup.Info) {
				in.State = backup.StateRunning
			}).end(Manifest{Backups: 1})
		}, ErrArchiveInvalid, ""},
		{"backup larger than the limit allows", func() []byte {
			body := bytes.Repeat([]byte("z"), 3*limit)
			return backupEntries(newArchive(), bid, body, nil).end(Manifest{Backups: 1})
		}, ErrArchiveInvalid, ""},
		{"backup after good files, with a bad sha", func() []byte {
			a := newArchive().file("volume/a", "hello")
			return backupEntries(a, bid, []byte("gz"), func(in *backup.Info) { in.Size = 1 }).
				end(Manifest{Entries: 1, VolumeBytes: 5, Backups: 1})
		}, ErrArchiveInvalid, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := newNode(t)
			tvol := dst.volume(t, "srv", 0)
			_, err := Import(context.Background(), bytes.NewReader(tc.data()), Dest{Server: "srv", Volume: tvol,
				Backups: dst.m, LimitBytes: limit, ExpectSHA: tc.sha})
			switch {
			case err == nil:
				t.Fatal("import succeeded")
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("import: %v; want %v", err, tc.want)
			}
			t.Logf("refused: %v", err)
			dst.assertNothingLeft(t, "srv")
			if des, _ := os.ReadDir(outside); len(des) != 0 {
				t.Fatalf("written outside: %v", des)
			}
			if _, err := os.Lstat(filepath.Join(dst.vols, "evil")); err == nil {
				t.Fatal("written beside the volume")
			}
		})
	}
	// the valid archive used above imports
	dst := newNode(t)
	tvol := dst.volume(t, "srv", 0)
	if _, err := Import(context.Background(), bytes.NewReader(valid), Dest{Server: "srv", Volume: tvol, Backups: dst.m, LimitBytes: limit}); err != nil {
		t.Fatalf("valid archive: %v", err)
	}
}

// Set-uid bits and other special modes of the archive are dropped.
func TestImportDropsSpecialModes(t *testing.T) {
	dst := newNode(t)
	tvol := dst.volume(t, "srv", 0)
	data := newArchive().add(&tar.Header{Typeflag: tar.TypeReg, Name: "volume/suid", Mode: 0o6755}, []byte("x")).
		add(&tar.Header{Typeflag: tar.TypeDir, Name: "volume/sticky/", Mode: 0o1777}, nil).
		end(Manifest{Entries: 2, VolumeBytes: 1})
	if _, err := Import(context.Background(), bytes.NewReader(data), Dest{Server: "srv", Volume: tvol}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"suid": 0o755, "sticky": os.ModeDir | 0o777} {
		fi, err := os.Lstat(filepath.Join(tvol, name))
		must(t, err)
		if fi.Mode() != want {
			t.Errorf("%s: mode %v; want %v", name, fi.Mode(), want)
		}
	}
}
