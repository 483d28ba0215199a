package server

import (
	"context"

	"github.com/skypanel/skypanel/gen"
)

// Not implemented yet: these answer 501 ErrNotImplemented. Whoever implements them deletes
// this file.

func (h *Handlers) ServerSocket(ctx context.Context, request gen.ServerSocketRequestObject) (gen.ServerSocketResponseObject, error) {
	return nil, errNotImplemented("serverSocket")
}
