package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/skypanel/skypanel/daemon/backup"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// ListBackups lists a server's backups, newest first, paged.
func (h *Handlers) ListBackups(ctx context.Context, req gen.ListBackupsRequestObject) (gen.ListBackupsResponseObject, error) {
	s, nc, err := h.serverOnNode(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	all, err := nc.ListBackups(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	page, limit := pageOf(req.Params.Page, req.Params.Limit)
	start := min(offset(page, limit), len(all))
	end := min(start+limit, len(all))
	out := gen.BackupList{Backups: make([]gen.Backup, 0, end-start), Metadata: listMeta(page, limit, len(all))}
	for _, in := range all[start:end] {
		out.Backups = append(out.Backups, toBackup(in))
	}
	return gen.ListBackups200JSONResponse{Body: out}, nil
}

func toBackup(in daemonapi.Backup) gen.Backup {
	return gen.Backup{Id: in.Id, Size: in.Size, Created: in.Created, Sha256: in.Sha256,
		State: gen.BackupState(in.State), Reason: in.Reason, Live: in.Live}
}

// CreateBackup starts a backup within the server's featureLimits.backups.
func (h *Handlers) CreateBackup(ctx context.Context, req gen.CreateBackupRequestObject) (gen.CreateBackupResponseObject, error) {
	s, nc, err := h.serverOnNode(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	in, err := nc.CreateBackup(ctx, s.ID, s.FeatureBackups)
	if err != nil {
		return nil, err
	}
	h.a.followBackup(nc, s, in.Id) // h_webhooks_events.go: backup.completed / backup.failed
	return gen.CreateBackup201JSONResponse{Body: gen.BackupCreated{Id: in.Id}}, nil
}

// DownloadBackup streams a finished backup's archive (Range, If-None-Match on its SHA-256).
func (h *Handlers) DownloadBackup(ctx context.Context, req gen.DownloadBackupRequestObject) (gen.DownloadBackupResponseObject, error) {
	s, nc, err := h.serverOnNode(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	c, in, err := nc.OpenBackup(ctx, s.ID, req.BackupId)
	if err != nil {
		return nil, backupError(err, req.BackupId)
	}
	return download{r: ginRequest(ctx), c: content{body: c.Body, size: c.Size, modTime: c.ModTime,
		etag: c.ETag, disposition: fmt.Sprintf("attachment; filename=%q", in.Id+".tar.gz")}}, nil
}

// RestoreBackup replaces the server's files with a backup (stop=true stops a running server).
func (h *Handlers) RestoreBackup(ctx context.Context, req gen.RestoreBackupRequestObject) (gen.RestoreBackupResponseObject, error) {
	s, nc, err := h.serverOnNode(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	stop := req.Params.Stop != nil && *req.Params.Stop
	if err := nc.RestoreBackup(ctx, s.ID, req.BackupId, stop); err != nil {
		return nil, backupError(err, req.BackupId)
	}
	return gen.RestoreBackup204Response{}, nil
}

// DeleteBackup removes a backup.
func (h *Handlers) DeleteBackup(ctx context.Context, req gen.DeleteBackupRequestObject) (gen.DeleteBackupResponseObject, error) {
	s, nc, err := h.serverOnNode(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	if err := nc.DeleteBackup(ctx, s.ID, req.BackupId); err != nil {
		return nil, backupError(err, req.BackupId)
	}
	return gen.DeleteBackup204Response{}, nil
}

// backupError gives an unknown backup the documented envelope (metadata.id).
func backupError(err error, id string) error {
	if errors.Is(err, backup.ErrNotFound) {
		return errNotFound(CodeBackupNotFound, "Backup", id)
	}
	return err
}
