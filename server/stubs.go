package server

import (
	"context"

	"github.com/skypanel/skypanel/gen"
)

// Operations not implemented yet answer 501 ErrNotImplemented.
func (h *Handlers) ListDatabaseHosts(ctx context.Context, request gen.ListDatabaseHostsRequestObject) (gen.ListDatabaseHostsResponseObject, error) {
	return nil, errNotImplemented("listDatabaseHosts")
}

func (h *Handlers) CreateDatabaseHost(ctx context.Context, request gen.CreateDatabaseHostRequestObject) (gen.CreateDatabaseHostResponseObject, error) {
	return nil, errNotImplemented("createDatabaseHost")
}

func (h *Handlers) DeleteDatabaseHost(ctx context.Context, request gen.DeleteDatabaseHostRequestObject) (gen.DeleteDatabaseHostResponseObject, error) {
	return nil, errNotImplemented("deleteDatabaseHost")
}

func (h *Handlers) GetDatabaseHost(ctx context.Context, request gen.GetDatabaseHostRequestObject) (gen.GetDatabaseHostResponseObject, error) {
	return nil, errNotImplemented("getDatabaseHost")
}

func (h *Handlers) UpdateDatabaseHost(ctx context.Context, request gen.UpdateDatabaseHostRequestObject) (gen.UpdateDatabaseHostResponseObject, error) {
	return nil, errNotImplemented("updateDatabaseHost")
}

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

func (h *Handlers) ListServerDatabases(ctx context.Context, request gen.ListServerDatabasesRequestObject) (gen.ListServerDatabasesResponseObject, error) {
	return nil, errNotImplemented("listServerDatabases")
}

func (h *Handlers) CreateServerDatabase(ctx context.Context, request gen.CreateServerDatabaseRequestObject) (gen.CreateServerDatabaseResponseObject, error) {
	return nil, errNotImplemented("createServerDatabase")
}

func (h *Handlers) DeleteServerDatabase(ctx context.Context, request gen.DeleteServerDatabaseRequestObject) (gen.DeleteServerDatabaseResponseObject, error) {
	return nil, errNotImplemented("deleteServerDatabase")
}

func (h *Handlers) RotateServerDatabasePassword(ctx context.Context, request gen.RotateServerDatabasePasswordRequestObject) (gen.RotateServerDatabasePasswordResponseObject, error) {
	return nil, errNotImplemented("rotateServerDatabasePassword")
}

func (h *Handlers) DeleteServerFile(ctx context.Context, request gen.DeleteServerFileRequestObject) (gen.DeleteServerFileResponseObject, error) {
	return nil, errNotImplemented("deleteServerFile")
}

func (h *Handlers) GetServerFile(ctx context.Context, request gen.GetServerFileRequestObject) (gen.GetServerFileResponseObject, error) {
	return nil, errNotImplemented("getServerFile")
}

func (h *Handlers) PutServerFile(ctx context.Context, request gen.PutServerFileRequestObject) (gen.PutServerFileResponseObject, error) {
	return nil, errNotImplemented("putServerFile")
}

func (h *Handlers) InstallServer(ctx context.Context, request gen.InstallServerRequestObject) (gen.InstallServerResponseObject, error) {
	return nil, errNotImplemented("installServer")
}

func (h *Handlers) ServerSocket(ctx context.Context, request gen.ServerSocketRequestObject) (gen.ServerSocketResponseObject, error) {
	return nil, errNotImplemented("serverSocket")
}

func (h *Handlers) ListTemplates(ctx context.Context, request gen.ListTemplatesRequestObject) (gen.ListTemplatesResponseObject, error) {
	return nil, errNotImplemented("listTemplates")
}

func (h *Handlers) GetTemplate(ctx context.Context, request gen.GetTemplateRequestObject) (gen.GetTemplateResponseObject, error) {
	return nil, errNotImplemented("getTemplate")
}

