package server

import (
	"context"

	"github.com/skypanel/skypanel/gen"
)

// ImportTemplate converts an egg or a PufferPanel template and stores it (admin).
func (h *Handlers) ImportTemplate(ctx context.Context, req gen.ImportTemplateRequestObject) (gen.ImportTemplateResponseObject, error) {
	return nil, errNotImplemented("template import")
}
