package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

const (
	stagePrefix = ".restore-" // staging folders: .restore-<server>-<random>
	oldSuffix   = ".old"      // the two-rename fallback's old volume
)

var errExchangeUnsupported = errors.New("atomic exchange not supported")

// RestoreOptions limit a restore.
type RestoreOptions struct {
	LimitBytes int64 // the server's disk limit (0 = none): a larger backup is refused
}

// Restore replaces the volume dir with the content of a finished backup (see the package
// doc). The caller makes sure nothing else uses the volume meanwhile (server stopped, no
// uploads). ErrInProgress while a backup of the server runs; ErrCorrupt when the archive
// does not match its checksum; files.ErrDiskLimit over opts.LimitBytes.
func (m *Manager) Restore(ctx context.Context, server, id, dir string, opts RestoreOptions) error {
	in, err := m.readInfo(server, id)
	if err != nil {
		return err
	}
	if err := in.Ready(); err != nil {
		return err
	}
	if err := m.claimRestore(server); err != nil {
		return err
	}
	defer func() {
		m.mu.Lock()
		delete(m.restoring, server)
		m.mu.Unlock()
	}()
	stage, err := newStage(dir)
	if err != nil {
		return err
	}
	swapped := false
	defer func() {
		if swapped { // the old content: removed in the background (New removes it after a crash)
			m.cleanups.Add(1)
			go func() {
				defer m.cleanups.Done()
				m.removeStage(stage)
			}()
			return
		}
		m.removeStage(stage)
	}()
	if err := m.extractVerified(ctx, server, in, stage, opts); err != nil {
		return err
	}
	m.hook("before-swap")
	if err := swap(stage, dir); err != nil {
		return err
	}
	swapped = true
	m.hook("after-swap")
	m.log.Info("backup restored", "server", server, "backup", id)
	return syncDir(filepath.Dir(dir))
}

func (m *Manager) claimRestore(server string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.closed:
		return ErrClosed
	case m.jobs[server] != nil:
		return fmt.Errorf("%w: backup %s of this server is running", ErrInProgress, m.jobs[server].id)
	case m.restoring[server]:
		return fmt.Errorf("%w: a backup of this server is being restored", ErrInProgress)
	}
	m.restoring[server] = true
	return nil
}

// newStage creates the empty folder a restore extracts into, next to the volume and like it
// (permissions, owner).
func newStage(dir string) (string, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("the server's folder: %w", err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	stage := filepath.Join(filepath.Dir(dir), stagePrefix+filepath.Base(dir)+"-"+hex.EncodeToString(b[:]))
	if err := os.Mkdir(stage, fi.Mode().Perm()); err != nil {
		return "", fmt.Errorf("create restore folder: %w", err)
	}
	if err := os.Chmod(stage, fi.Mode().Perm()); err != nil {
		return stage, err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if err := os.Lchown(stage, int(st.Uid), int(st.Gid)); err != nil {
			_ = os.Remove(stage)
			return "", fmt.Errorf("give the restore folder to uid %d: %w", st.Uid, err)
		}
	}
	return stage, nil
}

// extractVerified extracts the archive into stage and checks its hash, then flushes stage.
func (m *Manager) extractVerified(ctx context.Context, server string, in Info, stage string, opts RestoreOptions) error {
	f, err := os.Open(m.archivePath(server, in.ID))
	if err != nil {
		return fmt.Errorf("open backup %s: %w", in.ID, err)
	}
	defer f.Close()
	sum, err := extract(ctx, f, stage, opts.LimitBytes, m.hook)
	if err != nil {
		return err
	}
	if sum != in.SHA256 {
		return fmt.Errorf("%w: backup %s has SHA-256 %s, %s was recorded", ErrCorrupt, in.ID, sum, in.SHA256)
	}
	if err := syncFS(stage); err != nil {
		return fmt.Errorf("flush the restored files: %w", err)
	}
	return nil
}

// swap puts stage in dir's place, leaving the old content in stage.
func swap(stage, dir string) error {
	err := exchange(stage, dir)
	if !errors.Is(err, errExchangeUnsupported) {
		return err
	}
	// Fallback: two renames. A crash between them leaves dir missing and its content in
	// <stage>.old, which New puts back.
	old := stage + oldSuffix
	if err := os.Rename(dir, old); err != nil {
		return err
	}
	if err := os.Rename(stage, dir); err != nil {
		if rerr := os.Rename(old, dir); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	return os.Rename(old, stage)
}

func (m *Manager) hook(event string) {
	if m.testHook != nil {
		m.testHook(event)
	}
}

func (m *Manager) removeStage(stage string) {
	if err := os.RemoveAll(stage); err != nil {
		m.log.Error("remove restore folder", "folder", stage, "err", err)
	}
}
