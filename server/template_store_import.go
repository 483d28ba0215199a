package server

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/skypanel/skypanel/ent"
	enttemplate "github.com/skypanel/skypanel/ent/template"
	"github.com/skypanel/skypanel/templates"
)

// Template sources (ent Template.source).
const (
	sourceAPI         = "api"
	sourceEgg         = "egg"
	sourcePufferPanel = "pufferpanel"
)

// importedTemplate is what an import stores beside the template.
type importedTemplate struct {
	Source string          // sourceEgg or sourcePufferPanel
	Format string          // the detected format (PTDL_v2, PLCN_v1, pufferpanel)
	Meta   json.RawMessage // what the converter kept of the source, for the export
}

// storedTemplate is a stored template's row: the template and where it came from.
type storedTemplate struct {
	Template *templates.Template
	EggID    *int
	Source   string
	Format   string // empty when the body is not (any more) the imported source
	Meta     json.RawMessage
}

// Import stores an imported template (validated by the caller). An egg (Source sourceEgg)
// gets the next free egg id, chosen in the same transaction as the insert; a concurrent
// import that took the same id makes the unique index refuse the insert, which is retried
// once. ErrTemplateExists when the name is taken. It returns the egg id (nil for others).
func (s templateStore) Import(ctx context.Context, t *templates.Template, imp importedTemplate) (*int, error) {
	if _, err := s.builtin.Get(t.Name); err == nil {
		return nil, fmt.Errorf("%w: %q is a built-in template", ErrTemplateExists, t.Name)
	}
	body, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("encode template %q: %w", t.Name, err)
	}
	for attempt := 0; ; attempt++ {
		id, err := s.importOnce(ctx, t.Name, body, imp)
		if !ent.IsConstraintError(err) {
			return id, err
		}
		taken, xerr := s.db.Template.Query().Where(enttemplate.Name(t.Name)).Exist(ctx)
		if xerr != nil {
			return nil, fmt.Errorf("import template %q: %w", t.Name, xerr)
		}
		if taken {
			return nil, fmt.Errorf("%w: %q", ErrTemplateExists, t.Name)
		}
		if attempt == 1 { // the egg id was taken twice in a row
			return nil, fmt.Errorf("import template %q: %w", t.Name, err)
		}
	}
}

// importOnce inserts the row in one transaction with the choice of its egg id.
func (s templateStore) importOnce(ctx context.Context, name string, body []byte, imp importedTemplate) (*int, error) {
	var eggID *int
	err := withTx(ctx, s.db, func(tx *ent.Tx) error {
		c := tx.Template.Create().SetName(name).SetBody(body).SetSource(imp.Source).
			SetFormat(imp.Format).SetMeta(imp.Meta)
		if imp.Source == sourceEgg {
			last, err := tx.Template.Query().Where(enttemplate.EggIDNotNil()).
				Order(ent.Desc(enttemplate.FieldEggID)).Limit(1).Select(enttemplate.FieldEggID).Ints(ctx)
			if err != nil {
				return err
			}
			id := 1
			if len(last) > 0 {
				id = last[0] + 1
			}
			eggID = &id
			c.SetEggID(id)
		}
		return c.Exec(ctx)
	})
	if err != nil {
		return nil, err
	}
	return eggID, nil
}

// Stored returns the stored template name with its import record; an error wrapping
// templates.ErrNotFound when none is stored (built-ins included).
func (s templateStore) Stored(ctx context.Context, name string) (*storedTemplate, error) {
	row, err := s.db.Template.Query().Where(enttemplate.Name(name)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %q", templates.ErrNotFound, name)
	}
	if err != nil {
		return nil, fmt.Errorf("template %q: %w", name, err)
	}
	return storedOf(row)
}

// ByEggID returns the template imported with egg id; an error wrapping templates.ErrNotFound
// when no template has it.
func (s templateStore) ByEggID(ctx context.Context, id int) (*storedTemplate, error) {
	row, err := s.db.Template.Query().Where(enttemplate.EggID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, fmt.Errorf("%w: egg id %d", templates.ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("egg %d: %w", id, err)
	}
	return storedOf(row)
}

func storedOf(row *ent.Template) (*storedTemplate, error) {
	t, err := templates.Parse(row.Body)
	if err != nil { // stored after the same validation: a defect or a newer panel's template
		return nil, fmt.Errorf("stored template %q: %w", row.Name, err)
	}
	return &storedTemplate{Template: t, EggID: row.EggID, Source: row.Source, Format: row.Format, Meta: row.Meta}, nil
}

// EggIDs returns the egg id of every stored template that has one, by template name.
func (s templateStore) EggIDs(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.Template.Query().Where(enttemplate.EggIDNotNil()).
		Select(enttemplate.FieldName, enttemplate.FieldEggID).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("egg ids: %w", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Name] = *r.EggID
	}
	return out, nil
}
