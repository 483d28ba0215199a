package server

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"

	"github.com/skypanel/skypanel/templates"
)

// Hidden template variables (an egg's user_viewable false): tenants neither see nor set them,
// administrators do. Setting one is refused like a variable that is not user-editable
// (checkEditable: templates.Template.UserEditable is false for them); this file keeps their
// definitions and their values out of what a tenant reads.

// visibleTemplate is t as the caller may read it: administrators the whole template, others
// without its hidden variables (a copy; t is shared and never modified).
func visibleTemplate(ctx context.Context, t *templates.Template) *templates.Template {
	if PrincipalFrom(ctx).Admin || !hasHidden(t) {
		return t
	}
	out := *t
	out.Variables = maps.Clone(t.Variables)
	maps.DeleteFunc(out.Variables, func(name string, _ templates.Variable) bool { return !t.Visible(name) })
	return &out
}

func hasHidden(t *templates.Template) bool {
	for _, v := range t.Variables {
		if v.Hidden {
			return true
		}
	}
	return false
}

// resolveFor is tpl.Resolve for a caller: an administrator gets Resolve's error as it is; for
// anyone else an error about a hidden variable (a stored value that no longer fits after the
// template changed, a required one without value) neither names the variable nor shows its
// value: a 400 on "variables" that sends them to an administrator.
func resolveFor(admin bool, tpl *templates.Template, values map[string]any, stored bool) (map[string]string, error) {
	out, err := tpl.Resolve(values, stored)
	var ve *templates.VariableError
	if err == nil || admin || !errors.As(err, &ve) || tpl.Visible(ve.Name) {
		return out, err
	}
	if _, defined := tpl.Variables[ve.Name]; !defined { // an unknown name the caller sent
		return nil, err
	}
	return nil, newAPIError(http.StatusBadRequest, CodeFieldInvalid,
		fmt.Sprintf("a variable only administrators see does not fit the template %s: ask an administrator", tpl.Name),
		map[string]any{"field": "variables"})
}
