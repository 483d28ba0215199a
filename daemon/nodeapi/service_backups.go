package nodeapi

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/backup"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// ListBackups lists a server's backups, newest first.
func (s *Service) ListBackups(_ context.Context, id string) ([]daemonapi.Backup, error) {
	m, svc, err := s.services()
	if err != nil {
		return nil, err
	}
	if _, err := m.VolumeDir(id); err != nil {
		return nil, err
	}
	list, err := svc.backups.List(id)
	if err != nil {
		return nil, err
	}
	return BackupsToAPI(list), nil
}

// CreateBackup starts a backup; a running server gets its backup commands around it.
func (s *Service) CreateBackup(_ context.Context, id string, max int) (daemonapi.Backup, error) {
	m, svc, vol, err := s.volume(id)
	if err != nil {
		return daemonapi.Backup{}, err
	}
	st, err := m.Status(id)
	if err != nil {
		return daemonapi.Backup{}, err
	}
	opts := backup.CreateOptions{Max: max, Live: st.Running, LimitBytes: vol.LimitBytes}
	if st.Running {
		cmds, err := svc.backups.Commands(id)
		if err != nil {
			return daemonapi.Backup{}, err
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
	in, err := svc.backups.Create(id, vol.Dir, opts)
	if err != nil {
		return daemonapi.Backup{}, err
	}
	return BackupToAPI(in), nil
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

// GetBackup describes one backup.
func (s *Service) GetBackup(_ context.Context, id, backupID string) (daemonapi.Backup, error) {
	m, svc, err := s.services()
	if err != nil {
		return daemonapi.Backup{}, err
	}
	if _, err := m.VolumeDir(id); err != nil {
		return daemonapi.Backup{}, err
	}
	in, err := svc.backups.Get(id, backupID)
	if err != nil {
		return daemonapi.Backup{}, err
	}
	return BackupToAPI(in), nil
}

// OpenBackup opens a finished backup's archive; its ETag is the quoted sha256.
func (s *Service) OpenBackup(_ context.Context, id, backupID string) (*Content, daemonapi.Backup, error) {
	m, svc, err := s.services()
	if err != nil {
		return nil, daemonapi.Backup{}, err
	}
	if _, err := m.VolumeDir(id); err != nil {
		return nil, daemonapi.Backup{}, err
	}
	f, in, err := svc.backups.Open(id, backupID)
	if err != nil {
		return nil, BackupToAPI(in), err
	}
	modTime := in.Created
	if fi, err := f.Stat(); err == nil {
		modTime = fi.ModTime()
	}
	return &Content{Body: f, Size: in.Size, ModTime: modTime, ETag: strconv.Quote(in.SHA256)}, BackupToAPI(in), nil
}

// RestoreBackup restores a backup while holding the server's power lock (nothing starts it
// meanwhile) and with its uploads paused.
func (s *Service) RestoreBackup(ctx context.Context, id, backupID string, stop bool) error {
	m, svc, vol, err := s.volume(id)
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
func (s *Service) DeleteBackup(_ context.Context, id, backupID string) error {
	m, svc, err := s.services()
	if err != nil {
		return err
	}
	if _, err := m.VolumeDir(id); err != nil {
		return err
	}
	return svc.backups.Delete(id, backupID)
}

// SetBackupCommands stores a server's backup commands.
func (s *Service) SetBackupCommands(_ context.Context, id string, c daemonapi.BackupCommands) error {
	m, svc, err := s.services()
	if err != nil {
		return err
	}
	if _, err := m.VolumeDir(id); err != nil {
		return err
	}
	return svc.backups.SetCommands(id, BackupCommandsFromAPI(c))
}
