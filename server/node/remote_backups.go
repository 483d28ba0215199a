package node

import (
	"context"
	"net/http"

	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// ListBackups returns the server's backups, newest first.
func (r *Remote) ListBackups(ctx context.Context, id string) ([]daemonapi.Backup, error) {
	resp, err := r.api.ListBackupsWithResponse(ctx, id)
	if err != nil {
		return nil, r.failed(ctx, err)
	}
	l, err := value(r, resp.HTTPResponse, resp.Body, http.StatusOK, resp.JSON200)
	return l.Backups, err
}

// CreateBackup starts a backup (backup commands of a running server run first).
func (r *Remote) CreateBackup(ctx context.Context, id string, max int) (daemonapi.Backup, error) {
	resp, err := r.api.CreateBackupWithResponse(long(ctx), id, daemonapi.BackupRequest{Max: max})
	if err != nil {
		return daemonapi.Backup{}, r.failed(ctx, err)
	}
	return value(r, resp.HTTPResponse, resp.Body, http.StatusCreated, resp.JSON201)
}

// GetBackup returns one backup.
func (r *Remote) GetBackup(ctx context.Context, id, backupID string) (daemonapi.Backup, error) {
	resp, err := r.api.GetBackupWithResponse(ctx, id, backupID)
	if err != nil {
		return daemonapi.Backup{}, r.failed(ctx, err)
	}
	return value(r, resp.HTTPResponse, resp.Body, http.StatusOK, resp.JSON200)
}

// OpenBackup opens a finished backup's archive as a lazy, seekable body.
func (r *Remote) OpenBackup(ctx context.Context, id, backupID string) (*nodeapi.Content, daemonapi.Backup, error) {
	b, err := r.GetBackup(ctx, id, backupID)
	if err != nil {
		return nil, daemonapi.Backup{}, err
	}
	resp, err := r.raw.DownloadBackup(ctx, id, backupID, &daemonapi.DownloadBackupParams{})
	if err != nil {
		return nil, daemonapi.Backup{}, r.failed(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		parsed, err := daemonapi.ParseDownloadBackupResponse(resp)
		if err != nil {
			return nil, daemonapi.Backup{}, r.failed(ctx, err)
		}
		return nil, daemonapi.Backup{}, r.status(parsed.HTTPResponse, parsed.Body, http.StatusOK)
	}
	open := func(ctx context.Context, hdr http.Header) (*http.Response, error) {
		return r.raw.DownloadBackup(ctx, id, backupID, &daemonapi.DownloadBackupParams{}, withHeaders(hdr))
	}
	c, err := r.contentOf(ctx, resp, open)
	if err != nil {
		return nil, daemonapi.Backup{}, err
	}
	if c.ModTime.IsZero() {
		c.ModTime = b.Created
	}
	return c, b, nil
}

// RestoreBackup replaces the server's files with a backup.
func (r *Remote) RestoreBackup(ctx context.Context, id, backupID string, stop bool) error {
	resp, err := r.api.RestoreBackupWithResponse(long(ctx), id, backupID, daemonapi.RestoreRequest{Stop: &stop})
	if err != nil {
		return r.failed(ctx, err)
	}
	return r.status(resp.HTTPResponse, resp.Body, http.StatusNoContent)
}

// DeleteBackup removes a backup.
func (r *Remote) DeleteBackup(ctx context.Context, id, backupID string) error {
	resp, err := r.api.DeleteBackupWithResponse(long(ctx), id, backupID)
	if err != nil {
		return r.failed(ctx, err)
	}
	return r.status(resp.HTTPResponse, resp.Body, http.StatusNoContent)
}

// SetBackupCommands stores the commands a running server gets around its backups.
func (r *Remote) SetBackupCommands(ctx context.Context, id string, c daemonapi.BackupCommands) error {
	resp, err := r.api.SetBackupCommandsWithResponse(ctx, id, c)
	if err != nil {
		return r.failed(ctx, err)
	}
	return r.status(resp.HTTPResponse, resp.Body, http.StatusNoContent)
}
