package server

import (
	"context"

	"github.com/skypanel/skypanel/gen"
)

// Not implemented yet: these answer 501 ErrNotImplemented. Whoever implements them deletes
// this file.

func (h *Handlers) GetServerFile(ctx context.Context, request gen.GetServerFileRequestObject) (gen.GetServerFileResponseObject, error) {
	return nil, errNotImplemented("getServerFile")
}

func (h *Handlers) PutServerFile(ctx context.Context, request gen.PutServerFileRequestObject) (gen.PutServerFileResponseObject, error) {
	return nil, errNotImplemented("putServerFile")
}

func (h *Handlers) DeleteServerFile(ctx context.Context, request gen.DeleteServerFileRequestObject) (gen.DeleteServerFileResponseObject, error) {
	return nil, errNotImplemented("deleteServerFile")
}
