package server

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/backup"
)

// NodeBackups is the part of NodeClient for the backups of a server (issue 5); LocalNode
// implements it in this file. Errors are backup's sentinels (ErrNotFound, ErrInProgress,
// ErrLimit, ErrFailed, ErrCorrupt), files.ErrDiskLimit and daemon.ErrInvalidState.
type NodeBackups interface {
	// ListBackups returns the server's backups, newest first.
	ListBackups(ctx context.Context, id string) ([]backup.Info, error)
	// CreateBackup starts a backup (the server keeps at most max, failed ones not counted)
	// and returns it in state running. A running server gets its backup commands around it.
	CreateBackup(ctx context.Context, id string, max int) (backup.Info, error)
	// OpenBackup opens a finished backup's archive; the caller closes it.
	OpenBackup(ctx context.Context, id, backupID string) (*os.File, backup.Info, error)
	// RestoreBackup replaces the server's files with a backup. A running server is refused
	// (daemon.ErrInvalidState) unless stop, which stops it first (it stays stopped).
	RestoreBackup(ctx context.Context, id, backupID string, stop bool) error
	// DeleteBackup removes a backup.
	DeleteBackup(ctx context.Context, id, backupID string) error
	// SetBackupCommands stores the console commands a running server gets around its backups
	// (e.g. from its template: save-off/save-all before, save-on after).
	SetBackupCommands(ctx context.Context, id string, c backup.Commands) error
}

// ListBackups lists a server's backups.
func (l *LocalNode) ListBackups(_ context.Context, id string) ([]backup.Info, error) {
	m, svc, err := l.services()
	if err != nil {
		return nil, err
	}
	if _, err := m.VolumeDir(id); err != nil {
		return nil, err
	}
	return svc.backups.List(id)
}

// CreateBackup starts a backup.
func (l *LocalNode) CreateBackup(_ context.Context, id string, max int) (backup.Info, error) {
	m, svc, vol, err := l.volume(id)
	if err != nil {
		return backup.Info{}, err
	}
	st, err := m.Status(id)
	if err != nil {
		return backup.Info{}, err
	}
	opts := backup.CreateOptions{Max: max, Live: st.Running, LimitBytes: vol.LimitBytes}
	if st.Running {
		cmds, err := svc.backups.Commands(id)
		if err != nil {
			return backup.Info{}, err
		}
		if len(cmds.Before)+len(cmds.After) > 0 {
			opts.Before = func(ctx context.Context) error {
				if err := sendAll(ctx, m, id, cmds.Before); err != nil {
					return err
				}
				return sleepCtx(ctx, cmds.Wait)
			}
			opts.After = func(ctx context.Context) error { return sendAll(ctx, m, id, cmds.After) }
		}
	}
	return svc.backups.Create(id, vol.Dir, opts)
}

func sendAll(ctx context.Context, m *daemon.Manager, id string, cmds []string) error {
	for _, c := range cmds {
		if err := m.SendCommand(ctx, id, c); err != nil {
			return fmt.Errorf("backup command %q: %w", c, err)
		}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// OpenBackup opens a finished backup.
func (l *LocalNode) OpenBackup(_ context.Context, id, backupID string) (*os.File, backup.Info, error) {
	m, svc, err := l.services()
	if err != nil {
		return nil, backup.Info{}, err
	}
	if _, err := m.VolumeDir(id); err != nil {
		return nil, backup.Info{}, err
	}
	return svc.backups.Open(id, backupID)
}

// RestoreBackup restores a backup while holding the server's power lock (nothing starts it
// meanwhile) and with its uploads paused.
func (l *LocalNode) RestoreBackup(ctx context.Context, id, backupID string, stop bool) error {
	m, svc, vol, err := l.volume(id)
	if err != nil {
		return err
	}
	// refuse an unusable backup before stopping anything
	in, err := svc.backups.Get(id, backupID)
	if err != nil {
		return err
	}
	if err := in.Ready(); err != nil {
		return err
	}
	return m.WithVolumeExclusive(ctx, id, stop, func(dir string) error {
		return svc.files.Exclusive(ctx, id, func() error {
			return svc.backups.Restore(ctx, id, backupID, dir, backup.RestoreOptions{LimitBytes: vol.LimitBytes})
		})
	})
}

// DeleteBackup removes a backup.
func (l *LocalNode) DeleteBackup(_ context.Context, id, backupID string) error {
	m, svc, err := l.services()
	if err != nil {
		return err
	}
	if _, err := m.VolumeDir(id); err != nil {
		return err
	}
	return svc.backups.Delete(id, backupID)
}

// SetBackupCommands stores a server's backup commands.
func (l *LocalNode) SetBackupCommands(_ context.Context, id string, c backup.Commands) error {
	m, svc, err := l.services()
	if err != nil {
		return err
	}
	if _, err := m.VolumeDir(id); err != nil {
		return err
	}
	return svc.backups.SetCommands(id, c)
}
