package server

import (
	"context"

	"github.com/skypanel/skypanel/gen"
)

// Not implemented yet: these answer 501 ErrNotImplemented. Whoever implements them deletes
// this file.

func (h *Handlers) ListBackups(ctx context.Context, request gen.ListBackupsRequestObject) (gen.ListBackupsResponseObject, error) {
	return nil, errNotImplemented("listBackups")
}

func (h *Handlers) CreateBackup(ctx context.Context, request gen.CreateBackupRequestObject) (gen.CreateBackupResponseObject, error) {
	return nil, errNotImplemented("createBackup")
}

func (h *Handlers) DownloadBackup(ctx context.Context, request gen.DownloadBackupRequestObject) (gen.DownloadBackupResponseObject, error) {
	return nil, errNotImplemented("downloadBackup")
}

func (h *Handlers) RestoreBackup(ctx context.Context, request gen.RestoreBackupRequestObject) (gen.RestoreBackupResponseObject, error) {
	return nil, errNotImplemented("restoreBackup")
}

func (h *Handlers) DeleteBackup(ctx context.Context, request gen.DeleteBackupRequestObject) (gen.DeleteBackupResponseObject, error) {
	return nil, errNotImplemented("deleteBackup")
}
