package server

import (
	"context"

	"github.com/skypanel/skypanel/gen"
)

// Not implemented yet: these answer 501 ErrNotImplemented. Whoever implements them deletes
// this file.

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
