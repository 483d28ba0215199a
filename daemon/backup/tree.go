package backup

import (
	"archive/tar"
	"context"
	"io"
	"log/slog"
	"os"
)

// The writer and the extractor of backups, for other archives of a volume (daemon/transfer):
// the same entries, the same name rule (checkName), the same limits, so what one node writes
// another restores byte-exact.

// TreeStats count what WriteTree stored.
type TreeStats struct {
	Entries int   // folders, files and symlinks
	Bytes   int64 // of the regular files
}

// WriteTree writes the volume open at root into tw as a backup would (folders, regular files
// and symlinks; FIFOs, sockets, devices and uploads in progress skipped; modes kept, mtimes to
// the nanosecond in PAX headers), every entry name prefixed with prefix. It first scans the volume like a backup: a
// name a restore would refuse, a sparse file (ErrSparse) or more than limit bytes (limit > 0;
// files.ErrDiskLimit) fails at once. tw is not closed.
func WriteTree(ctx context.Context, tw *tar.Writer, root *os.Root, prefix string, limit int64, log *slog.Logger) (TreeStats, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := scan(root, limit); err != nil {
		return TreeStats{}, err
	}
	a := &archiver{tw: tw, buf: make([]byte, 1<<20), log: log, limit: limit, prefix: prefix, format: tar.FormatPAX}
	err := a.walk(ctx, root)
	return TreeStats{Entries: a.files, Bytes: a.total}, err
}

// Unpacker writes archive entries under a folder with the rules of a restore: names checked by
// the rule WriteTree writes with, regular files, folders and symlinks only, no file written
// through a link (links are made by Finish), at most limit bytes of files (limit > 0;
// files.ErrDiskLimit), files given to the folder's owner. An unsafe or broken entry is an error
// wrapping the sentinel given to NewUnpacker.
type Unpacker struct{ x *extractor }

// NewUnpacker returns an Unpacker writing under root, which the caller keeps open until Close.
func NewUnpacker(root *os.Root, limit int64, bad error) *Unpacker {
	return &Unpacker{x: newExtractor(root, limit, func(string) {}, bad)}
}

// Add writes one entry; hdr.Name is relative to the folder. r holds a regular file's bytes.
func (u *Unpacker) Add(hdr *tar.Header, r io.Reader) error { return u.x.entry(hdr, r) }

// Bytes returns the bytes of regular files added so far.
func (u *Unpacker) Bytes() int64 { return u.x.total }

// Finish creates the symlinks and sets the folders' modes and times.
func (u *Unpacker) Finish() error { return u.x.finish() }

// Close releases the folder the last file was written in.
func (u *Unpacker) Close() { u.x.closeCur() }

// NewStage creates an empty folder beside the volume dir, with its mode and owner, for content
// that replaces or fills the volume: a crash leaves it behind and New removes it (a staging
// folder of a restore).
func NewStage(dir string) (string, error) { return newStage(dir) }

// SyncFS flushes the file system holding dir (before staged content is moved in place).
func SyncFS(dir string) error { return syncFS(dir) }
