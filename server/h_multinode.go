package server

import (
	"context"
	"errors"

	"github.com/skypanel/skypanel/gen"
)

// errNotYet marks the multi-node operations whose implementation is in progress (issue 12);
// it maps to 500 and is replaced operation by operation.
var errNotYet = errors.New("not implemented yet")

// TransferServer moves a server to another node.
func (h *Handlers) TransferServer(context.Context, gen.TransferServerRequestObject) (gen.TransferServerResponseObject, error) {
	return nil, errNotYet
}
