package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/templates"
	"github.com/skypanel/skypanel/templates/egg"
	"github.com/skypanel/skypanel/templates/importer"
)

// sourceOf is the ent Template.source of an imported format.
func sourceOf(format string) string {
	if format == string(importer.PufferPanel) {
		return sourcePufferPanel
	}
	return sourceEgg
}

// ImportTemplate converts an egg or a PufferPanel template and stores it (admin). Whatever
// the conversion refuses is a 400 naming the source's field; a taken name is a 409.
func (h *Handlers) ImportTemplate(ctx context.Context, req gen.ImportTemplateRequestObject) (gen.ImportTemplateResponseObject, error) {
	raw, err := importBody(ctx, req.Body)
	if err != nil {
		return nil, err
	}
	res, err := importer.Convert(raw) // detects the format; errors name the source's field
	if err != nil {
		return nil, sourceError(err)
	}
	t := res.Template
	if req.Params.Name != nil {
		t.Name = *req.Params.Name
	}
	if err := t.Validate(); err != nil { // the converters validate; the name may be new
		return nil, err
	}
	if err := checkNodeRules(&t); err != nil {
		return nil, err
	}
	eggID, err := h.tpls().Import(ctx, &t, importedTemplate{Source: sourceOf(res.Format), Format: res.Format, Meta: res.Meta})
	if err != nil {
		return nil, err
	}
	notes := res.Notes
	if notes == nil {
		notes = []string{}
	}
	return importedResponse{Template: &t, Format: res.Format, EggID: eggID, Notes: notes}, nil
}

// importBody returns the request body as sent: the source's key order matters (an egg's
// first docker image is its default), which the decoded map has lost. The validator buffered
// the body (within Config.MaxBodyBytes) and left GetBody to re-read it; without it the
// decoded body is encoded again.
func importBody(ctx context.Context, body *gen.TemplateImport) ([]byte, error) {
	if c, ok := ctx.(*gin.Context); ok && c.Request != nil && c.Request.GetBody != nil {
		rc, err := c.Request.GetBody()
		if err == nil {
			defer rc.Close()
			raw, err := io.ReadAll(rc)
			if err == nil && json.Valid(raw) {
				return raw, nil
			}
		}
	}
	if body == nil {
		return nil, errFieldRequired("body")
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode import body: %w", err)
	}
	return raw, nil
}

// sourceError maps a conversion's *templates.SourceError to a 400 naming the source's field;
// the message says whether the source is malformed or uses what templates cannot express.
func sourceError(err error) error {
	var se *templates.SourceError
	if !errors.As(err, &se) {
		return err
	}
	kind := "invalid source"
	if errors.Is(err, templates.ErrSourceUnsupported) {
		kind = "not supported"
	}
	return errFieldInvalid(se.Field, fmt.Sprintf("%s: %s: %s", kind, se.Field, se.Msg))
}

// importedResponse is the 201 TemplateImported, with the template in its own JSON format
// (like templateResponse, so no field of the template is lost on the way).
type importedResponse struct {
	Template *templates.Template `json:"template"`
	Format   string              `json:"format"`
	EggID    *int                `json:"eggId,omitempty"`
	Notes    []string            `json:"notes"`
}

func (r importedResponse) VisitImportTemplateResponse(w http.ResponseWriter) error {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(r); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, err := buf.WriteTo(w)
	return err
}

// exportEgg answers GET /api/templates/{name}?format=egg: an imported egg, written back as an
// egg from its template and the meta stored at import. A template that is not (any more) the
// imported egg is a 400 naming `format`.
func (h *Handlers) exportEgg(ctx context.Context, name string) (gen.GetTemplateResponseObject, error) {
	tpls := h.tpls()
	if _, err := tpls.builtin.Get(name); err == nil {
		return nil, errFieldInvalid("format", fmt.Sprintf("%s is a built-in template, not an imported egg", name))
	}
	st, err := tpls.Stored(ctx, name)
	if errors.Is(err, templates.ErrNotFound) {
		return nil, errNotFound(CodeTemplateNotFound, "Template", name)
	}
	if err != nil {
		return nil, err
	}
	if st.Source != sourceEgg || st.Format == "" || len(st.Meta) == 0 {
		why := "was not imported from an egg"
		if st.Source == sourceEgg {
			why = "was replaced since its import from an egg"
		}
		return nil, errFieldInvalid("format", fmt.Sprintf("the template %s %s: only imported eggs export as eggs", name, why))
	}
	if !PrincipalFrom(ctx).Admin && hasHiddenVariable(st.Template) {
		return nil, newAPIError(http.StatusForbidden, CodePermissionDenied,
			"the egg has variables only administrators see: only administrators export it",
			map[string]any{"scopes": []string{"admin"}, "field": "format"})
	}
	raw, err := exportEggJSON(st)
	if err != nil {
		return nil, err
	}
	return eggResponse(raw), nil
}

// exportEggJSON writes the stored egg back as egg JSON (templates/egg.Export). A template the
// egg format cannot hold is a 400 naming `format` and the template's field.
func exportEggJSON(st *storedTemplate) ([]byte, error) {
	var m egg.Meta
	if err := json.Unmarshal(st.Meta, &m); err != nil {
		return nil, fmt.Errorf("stored egg meta of %s: %w", st.Template.Name, err)
	}
	raw, err := egg.Export(*st.Template, m)
	var fe *egg.FieldError
	if errors.Is(err, egg.ErrNotExportable) && errors.As(err, &fe) {
		return nil, errFieldInvalid("format", fmt.Sprintf("the template cannot be written as an egg: %s: %s", fe.Field, fe.Msg))
	}
	if err != nil {
		return nil, fmt.Errorf("export %s as an egg: %w", st.Template.Name, err)
	}
	return raw, nil
}

// hasHiddenVariable reports whether t has a variable tenants do not see.
func hasHiddenVariable(t *templates.Template) bool {
	for _, v := range t.Variables {
		if v.Hidden {
			return true
		}
	}
	return false
}

// eggResponse is an exported egg (the TemplateEgg schema).
type eggResponse []byte

func (r eggResponse) VisitGetTemplateResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(r)
	return err
}
