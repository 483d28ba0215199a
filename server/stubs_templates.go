package server

import (
	"context"

	"github.com/skypanel/skypanel/gen"
)

// Not implemented yet: these answer 501 ErrNotImplemented. Whoever implements them deletes
// this file.

func (h *Handlers) ListTemplates(ctx context.Context, request gen.ListTemplatesRequestObject) (gen.ListTemplatesResponseObject, error) {
	return nil, errNotImplemented("listTemplates")
}

func (h *Handlers) GetTemplate(ctx context.Context, request gen.GetTemplateRequestObject) (gen.GetTemplateResponseObject, error) {
	return nil, errNotImplemented("getTemplate")
}

func (h *Handlers) InstallServer(ctx context.Context, request gen.InstallServerRequestObject) (gen.InstallServerResponseObject, error) {
	return nil, errNotImplemented("installServer")
}
