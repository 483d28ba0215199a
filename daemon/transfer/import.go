package transfer

import (
	"archive/tar"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/skypanel/skypanel/daemon/backup"
)

// Dest is the server Import fills: created on this node, stopped, with an empty folder and no
// backups. The caller keeps it so (nothing starts it) while Import runs.
type Dest struct {
	Server  string
	Volume  string          // the server's (empty) folder: its mode and owner are kept, files take its owner
	Backups *backup.Manager // receives the archive's backups; nil: an archive with backups is refused
	// LimitBytes is the server's disk limit (0 = none): the volume's files may hold at most that.
	LimitBytes int64
	// MaxBackups bounds the number of backups (DefaultMaxBackups when 0).
	MaxBackups int
	// ExpectSHA (hex, optional) is the sha256 the whole stream must have.
	ExpectSHA string
}

// Result is what Import received.
type Result struct {
	SHA256 string // of the whole stream
	Bytes  int64  // of the whole stream
	Manifest
}

// Import reads an archive written by Export from r and moves its content in place for dst
// (see the package doc). On any error nothing of it is left.
func Import(ctx context.Context, r io.Reader, dst Dest) (Result, error) {
	if dst.ExpectSHA != "" && !backup.ValidSHA256(dst.ExpectSHA) {
		return Result{}, fmt.Errorf("%w: expected sha256 %q is not 64 lowercase hex digits", ErrArchiveInvalid, dst.ExpectSHA)
	}
	if err := checkEmpty(dst); err != nil {
		return Result{}, err
	}
	stage, err := backup.NewStage(dst.Volume)
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(stage) // after the final rename there is nothing left to remove
	root, err := os.OpenRoot(stage)
	if err != nil {
		return Result{}, err
	}
	defer root.Close()
	im := &importer{dst: dst, hr: newHashReader(r), up: backup.NewUnpacker(root, dst.LimitBytes, ErrArchiveInvalid)}
	defer im.up.Close()
	if dst.Backups != nil {
		if im.backups, err = dst.Backups.BeginImport(dst.Server); err != nil {
			return Result{}, err
		}
		defer im.backups.Abort()
	}
	if err := im.read(ctx); err != nil {
		return Result{}, err
	}
	res := Result{SHA256: hex.EncodeToString(im.hr.h.Sum(nil)), Bytes: im.hr.n, Manifest: im.manifest}
	if dst.ExpectSHA != "" && res.SHA256 != dst.ExpectSHA {
		return Result{}, fmt.Errorf("%w: received %s, expected %s", ErrChecksumMismatch, res.SHA256, dst.ExpectSHA)
	}
	if err := im.finish(root, stage); err != nil {
		return Result{}, err
	}
	return res, im.commit(stage)
}

// checkEmpty refuses a target that holds files or backups.
func checkEmpty(dst Dest) error {
	des, err := os.ReadDir(dst.Volume)
	if err != nil {
		return fmt.Errorf("the server's folder: %w", err)
	}
	if len(des) > 0 {
		return fmt.Errorf("%w: its folder holds %d entries", ErrNotEmpty, len(des))
	}
	if dst.Backups != nil {
		list, err := dst.Backups.List(dst.Server)
		if err != nil {
			return err
		}
		if len(list) > 0 {
			return fmt.Errorf("%w: it has %d backups", ErrNotEmpty, len(list))
		}
	}
	return nil
}

// importer is the state of one Import.
type importer struct {
	dst      Dest
	hr       *hashReader
	up       *backup.Unpacker
	backups  *backup.Import
	volTime  time.Time    // the volume folder's mtime
	pending  *backup.Info // a backup's metadata, waiting for its archive
	entries  int
	manifest Manifest
	ended    bool // the end marker was read
}

// read reads every entry and then the rest of the stream (tar's end blocks), which the
// sha256 covers.
func (im *importer) read(ctx context.Context) error {
	tr := tar.NewReader(im.hr)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err == nil {
			err = im.entry(ctx, hdr, tr)
		}
		if err != nil {
			return im.readErr(err)
		}
	}
	if !im.ended {
		return im.readErr(fmt.Errorf("%w: the stream ended before the end marker (truncated)", ErrArchiveInvalid))
	}
	// tar's end blocks and the writer's padding: bounded, so a stream cannot go on forever
	if n, err := io.Copy(io.Discard, io.LimitReader(im.hr, 1<<20+1)); err != nil {
		return im.readErr(err)
	} else if n > 1<<20 {
		return fmt.Errorf("%w: data after the end of the archive", ErrArchiveInvalid)
	}
	return nil
}

// readErr prefers the source's own error (a broken connection) over what tar made of it, and
// makes tar's complaints ErrArchiveInvalid.
func (im *importer) readErr(err error) error {
	switch {
	case im.hr.err != nil:
		return fmt.Errorf("read the archive: %w", im.hr.err)
	case errors.Is(err, ErrArchiveInvalid):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, tar.ErrHeader), errors.Is(err, tar.ErrFieldTooLong):
		return fmt.Errorf("%w: %v", ErrArchiveInvalid, err)
	}
	return err
}

// finish completes the volume: links, folder modes and times, the volume's mtime, and flushes it.
func (im *importer) finish(root *os.Root, stage string) error {
	if err := im.up.Finish(); err != nil {
		return err
	}
	if !im.volTime.IsZero() {
		if err := root.Chtimes(".", time.Time{}, im.volTime); err != nil {
			return err
		}
	}
	if err := backup.SyncFS(stage); err != nil {
		return fmt.Errorf("flush the received files: %w", err)
	}
	return nil
}

// commit moves the backups, then the volume in place; a failed volume rename takes the
// backups out again.
func (im *importer) commit(stage string) error {
	if im.backups != nil {
		if err := im.backups.Commit(); err != nil {
			return fmt.Errorf("move the backups in place: %w", err)
		}
	}
	// rename(2) replaces an empty folder atomically and refuses one that is not (ENOTEMPTY);
	// os.Rename refuses any existing folder
	if err := syscall.Rename(stage, im.dst.Volume); err != nil {
		if im.backups != nil {
			im.backups.Revert()
		}
		return fmt.Errorf("move the files in place: %w", err)
	}
	return nil
}
