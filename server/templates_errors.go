package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/skypanel/skypanel/daemon/install"
	"github.com/skypanel/skypanel/templates"
)

// Sentinel errors of the template registry (template_store.go).
var (
	// ErrTemplateExists: a template of that name exists (built-in or stored).
	ErrTemplateExists = errors.New("template name taken")
	// ErrTemplateBuiltin: built-in templates are read-only.
	ErrTemplateBuiltin = errors.New("built-in templates are read-only")
	// ErrTemplateInUse: servers use the template (a *TemplateInUseError says how many).
	ErrTemplateInUse = errors.New("template in use")
)

// TemplateInUseError refuses to delete a template that servers use.
type TemplateInUseError struct {
	Name    string
	Servers int
}

func (e *TemplateInUseError) Error() string {
	return fmt.Sprintf("template %q is used by %d server(s)", e.Name, e.Servers)
}

// Unwrap returns ErrTemplateInUse.
func (e *TemplateInUseError) Unwrap() error { return ErrTemplateInUse }

// mapTemplateError maps the errors of templates and installations: a variable that fails its
// template's validation is a 400 naming it (metadata.field "variables.<name>").
func mapTemplateError(err error) *APIError {
	var ve *templates.VariableError
	var fe *templates.FieldError
	var inUse *TemplateInUseError
	switch {
	case errors.As(err, &fe):
		return errFieldInvalid(fe.Field, fe.Field+": "+fe.Reason)
	case errors.As(err, &inUse):
		return errConflict(inUse.Error(), map[string]any{"id": inUse.Name, "servers": inUse.Servers})
	case errors.Is(err, ErrTemplateBuiltin):
		return errConflict(err.Error(), map[string]any{"field": "name"})
	case errors.Is(err, ErrTemplateExists):
		return errConflict(err.Error(), map[string]any{"field": "name"})
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
