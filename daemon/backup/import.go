package backup

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// importPrefix starts the staging folders of imports under Options.Dir (.import-<server>-<random>);
// New removes leftovers.
const importPrefix = ".import-"

// Import receives the finished backups of a server from another node (a transfer): Add stages
// each archive, checked against its recorded size and SHA-256; Commit moves them in place;
// Abort (or a crash: New) removes what was staged. Not safe for concurrent use.
type Import struct {
	m      *Manager
	server string
	stage  string
	infos  []Info
	seen   map[string]bool
	moved  []string // ids moved in place by Commit
}

// BeginImport starts an import of backups for server.
func (m *Manager) BeginImport(server string) (*Import, error) {
	if err := checkServer(server); err != nil {
		return nil, err
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	stage := filepath.Join(m.opts.Dir, importPrefix+server+"-"+hex.EncodeToString(b[:]))
	if err := os.Mkdir(stage, 0o700); err != nil {
		return nil, fmt.Errorf("create import folder: %w", err)
	}
	return &Import{m: m, server: server, stage: stage, seen: map[string]bool{}}, nil
}

// Add stages one finished backup: in is its metadata, r its archive. The archive must be
// exactly in.Size bytes (at most maxBytes when maxBytes > 0) with SHA-256 in.SHA256; a backup
// that is not done, an invalid or repeated id, or a mismatch is an error wrapping bad.
func (im *Import) Add(ctx context.Context, in Info, r io.Reader, maxBytes int64, bad error) error {
	switch {
	case !ValidID(in.ID):
		return fmt.Errorf("%w: invalid backup id %q", bad, in.ID)
	case im.seen[in.ID]:
		return fmt.Errorf("%w: backup %s appears twice", bad, in.ID)
	case in.State != StateDone:
		return fmt.Errorf("%w: backup %s is %s, not done", bad, in.ID, in.State)
	case !ValidSHA256(in.SHA256):
		return fmt.Errorf("%w: backup %s has an invalid SHA-256", bad, in.ID)
	case in.Size < 0 || (maxBytes > 0 && in.Size > maxBytes):
		return fmt.Errorf("%w: backup %s of %d bytes is larger than the %d allowed", bad, in.ID, in.Size, maxBytes)
	case in.Created.IsZero():
		return fmt.Errorf("%w: backup %s has no creation time", bad, in.ID)
	}
	im.seen[in.ID] = true
	f, err := os.OpenFile(filepath.Join(im.stage, in.ID+archiveExt), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("stage backup %s: %w", in.ID, err)
	}
	defer f.Close()
	h := sha256.New()
	out := &syncWriter{f: f, h: h}
	n, err := io.CopyBuffer(onlyWriter{out}, io.LimitReader(ctxReader{ctx, r}, in.Size+1), make([]byte, 1<<20))
	if err != nil {
		return fmt.Errorf("stage backup %s: %w", in.ID, err)
	}
	if n != in.Size {
		return fmt.Errorf("%w: backup %s has %d bytes, %d recorded", bad, in.ID, n, in.Size)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != in.SHA256 {
		return fmt.Errorf("%w: backup %s has SHA-256 %s, %s recorded", bad, in.ID, sum, in.SHA256)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("stage backup %s: %w", in.ID, err)
	}
	im.infos = append(im.infos, in)
	return nil
}

// Len returns the number of backups staged.
func (im *Import) Len() int { return len(im.infos) }

// Commit moves the staged backups in place (each archive, then its metadata) and removes the
// staging folder. An id the server already has fails the commit (fs.ErrExist); on error the
// backups moved so far are removed again.
func (im *Import) Commit() error {
	m := im.m
	m.mu.Lock()
	defer m.mu.Unlock()
	defer im.Abort()
	if err := os.MkdirAll(m.serverDir(im.server), 0o700); err != nil {
		return fmt.Errorf("backup folder: %w", err)
	}
	err := func() error {
		for _, in := range im.infos {
			if _, err := os.Lstat(m.metaPath(im.server, in.ID)); !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("import backup %s: %w", in.ID, fs.ErrExist)
			}
			if err := os.Rename(filepath.Join(im.stage, in.ID+archiveExt), m.archivePath(im.server, in.ID)); err != nil {
				return fmt.Errorf("import backup %s: %w", in.ID, err)
			}
			im.moved = append(im.moved, in.ID)
			if err := m.writeInfo(im.server, in); err != nil {
				return err
			}
		}
		return syncDir(m.serverDir(im.server))
	}()
	if err != nil {
		im.revertLocked()
	}
	return err
}

// Revert removes the backups Commit moved in place (what comes after the commit failed).
func (im *Import) Revert() {
	im.m.mu.Lock()
	defer im.m.mu.Unlock()
	im.revertLocked()
}

func (im *Import) revertLocked() {
	for _, id := range im.moved {
		_ = os.Remove(im.m.metaPath(im.server, id))
		_ = os.Remove(im.m.archivePath(im.server, id))
	}
	im.moved = nil
}

// Abort removes what was staged. Safe to call more than once and after Commit.
func (im *Import) Abort() {
	if err := os.RemoveAll(im.stage); err != nil {
		im.m.log.Error("remove import folder", "folder", im.stage, "err", err)
	}
}

// removeImports removes the staging folders of interrupted imports.
func (m *Manager) removeImports() error {
	matches, err := filepath.Glob(filepath.Join(m.opts.Dir, importPrefix+"*"))
	if err != nil {
		return err
	}
	for _, p := range matches {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("remove leftover import folder: %w", err)
		}
		m.log.Warn("removed the folder of an interrupted import", "folder", p)
	}
	return nil
}

// ctxReader stops reading when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
