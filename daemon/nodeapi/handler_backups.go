package nodeapi

import (
	"context"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// Backup operations; the archive download is in handler_stream.go.

func (s *strictServer) ListBackups(ctx context.Context, req daemonapi.ListBackupsRequestObject) (daemonapi.ListBackupsResponseObject, error) {
	list, err := s.node.ListBackups(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []daemonapi.Backup{}
	}
	return daemonapi.ListBackups200JSONResponse{Backups: list}, nil
}

func (s *strictServer) CreateBackup(ctx context.Context, req daemonapi.CreateBackupRequestObject) (daemonapi.CreateBackupResponseObject, error) {
	if req.Body.Max < 0 { // 0: the server may keep no backup (the node answers ErrBackupLimit)
		return nil, errFieldf("max must be ≥ 0")
	}
	b, err := s.node.CreateBackup(ctx, req.Id, req.Body.Max)
	if err != nil {
		return nil, err
	}
	return daemonapi.CreateBackup201JSONResponse(b), nil
}

func (s *strictServer) GetBackup(ctx context.Context, req daemonapi.GetBackupRequestObject) (daemonapi.GetBackupResponseObject, error) {
	b, err := s.node.GetBackup(ctx, req.Id, req.BackupId)
	if err != nil {
		return nil, err
	}
	return daemonapi.GetBackup200JSONResponse(b), nil
}

func (s *strictServer) RestoreBackup(ctx context.Context, req daemonapi.RestoreBackupRequestObject) (daemonapi.RestoreBackupResponseObject, error) {
	stop := req.Body.Stop != nil && *req.Body.Stop
	if err := s.node.RestoreBackup(ctx, req.Id, req.BackupId, stop); err != nil {
		return nil, err
	}
	return daemonapi.RestoreBackup204Response{}, nil
}

func (s *strictServer) DeleteBackup(ctx context.Context, req daemonapi.DeleteBackupRequestObject) (daemonapi.DeleteBackupResponseObject, error) {
	if err := s.node.DeleteBackup(ctx, req.Id, req.BackupId); err != nil {
		return nil, err
	}
	return daemonapi.DeleteBackup204Response{}, nil
}

func (s *strictServer) SetBackupCommands(ctx context.Context, req daemonapi.SetBackupCommandsRequestObject) (daemonapi.SetBackupCommandsResponseObject, error) {
	if err := s.node.SetBackupCommands(ctx, req.Id, *req.Body); err != nil {
		return nil, err
	}
	return daemonapi.SetBackupCommands204Response{}, nil
}
