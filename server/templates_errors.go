package server

import (
	"errors"
	"net/http"

	"github.com/skypanel/skypanel/daemon/install"
	"github.com/skypanel/skypanel/templates"
)

// mapTemplateError maps the errors of templates and installations: a variable that fails its
// template's validation is a 400 naming it (metadata.field "variables.<name>").
func mapTemplateError(err error) *APIError {
	var ve *templates.VariableError
	switch {
	case errors.As(err, &ve):
		code := CodeFieldInvalid
		if errors.Is(ve, templates.ErrVariableRequired) {
			code = CodeFieldRequired
		}
		field := "variables." + ve.Name
		return newAPIError(http.StatusBadRequest, code, ve.Reason, map[string]any{"field": field,
			"errors": []map[string]any{{"field": field, "code": code, "msg": ve.Reason}}})
	case errors.Is(err, templates.ErrNotFound):
		return newAPIError(http.StatusNotFound, CodeTemplateNotFound, err.Error(), nil)
	case errors.Is(err, install.ErrInvalidPlan):
		return newAPIError(http.StatusBadRequest, CodeFieldInvalid, err.Error(), map[string]any{"field": "template"})
	}
	return nil
}
