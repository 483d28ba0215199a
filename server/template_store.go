package server

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/server"
	enttemplate "github.com/skypanel/skypanel/ent/template"
	"github.com/skypanel/skypanel/templates"
)

// templateStore is the panel's template registry: the built-in templates (embedded,
// read-only) and the ones administrators stored in the database. A stored template never
// takes a built-in's name, so a name means one template. It is a value over the database
// client: every panel replica sees the same templates.
type templateStore struct {
	builtin *templates.Set
	db      *ent.Client
}

// builtinTemplates are the embedded templates (validated by their tests).
var builtinTemplates = templates.MustBuiltin()

func newTemplateStore(db *ent.Client) templateStore {
	return templateStore{builtin: builtinTemplates, db: db}
}

// Get returns the template called name; an error wrapping templates.ErrNotFound when there is
// none. Templates are shared: do not modify them.
func (s templateStore) Get(ctx context.Context, name string) (*templates.Template, error) {
	if t, err := s.builtin.Get(name); err == nil {
		return t, nil
	}
	row, err := s.db.Template.Query().Where(enttemplate.Name(name)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %q", templates.ErrNotFound, name)
	}
	if err != nil {
		return nil, fmt.Errorf("template %q: %w", name, err)
	}
	t, err := templates.Parse(row.Body)
	if err != nil { // stored after the same validation: a defect or a newer panel's template
		return nil, fmt.Errorf("stored template %q: %w", name, err)
	}
	return t, nil
}

// List returns the templates ordered by name from offset (at most limit) and how many there
// are in all.
func (s templateStore) List(ctx context.Context, offset, limit int) ([]*templates.Template, int, error) {
	stored, err := s.db.Template.Query().Order(ent.Asc(enttemplate.FieldName)).
		Select(enttemplate.FieldName).Strings(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("list templates: %w", err)
	}
	names := make([]string, 0, s.builtin.Len()+len(stored))
	for _, t := range s.builtin.List(0, 0) {
		names = append(names, t.Name)
	}
	names = append(names, stored...)
	sort.Strings(names)
	total := len(names)
	if offset >= total {
		return []*templates.Template{}, total, nil
	}
	names = names[offset:min(total, offset+limit)]
	out := make([]*templates.Template, 0, len(names))
	for _, n := range names {
		t, err := s.Get(ctx, n)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, t)
	}
	return out, total, nil
}

// Create stores t (validated by the caller). ErrTemplateExists when the name is taken.
func (s templateStore) Create(ctx context.Context, t *templates.Template) error {
	if _, err := s.builtin.Get(t.Name); err == nil {
		return fmt.Errorf("%w: %q is a built-in template", ErrTemplateExists, t.Name)
	}
	body, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode template %q: %w", t.Name, err)
	}
	err = s.db.Template.Create().SetName(t.Name).SetBody(body).Exec(ctx)
	if ent.IsConstraintError(err) {
		return fmt.Errorf("%w: %q", ErrTemplateExists, t.Name)
	}
	if err != nil {
		return fmt.Errorf("store template %q: %w", t.Name, err)
	}
	return nil
}

// Replace replaces the stored template of t's name. ErrTemplateBuiltin for a built-in name,
// an error wrapping templates.ErrNotFound when none is stored. An imported template keeps its
// egg id and source; its format and meta are cleared (it cannot be exported as the egg any more).
func (s templateStore) Replace(ctx context.Context, t *templates.Template) error {
	if _, err := s.builtin.Get(t.Name); err == nil {
		return fmt.Errorf("%w: %q", ErrTemplateBuiltin, t.Name)
	}
	body, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode template %q: %w", t.Name, err)
	}
	// an imported template keeps its egg id (servers and billing systems name it) but loses
	// format and meta: the new body is no longer the imported source, so no export pretends it is
	n, err := s.db.Template.Update().Where(enttemplate.Name(t.Name)).SetBody(body).
		SetFormat("").ClearMeta().Save(ctx)
	if err != nil {
		return fmt.Errorf("replace template %q: %w", t.Name, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %q", templates.ErrNotFound, t.Name)
	}
	return nil
}

// Delete deletes the stored template name, in one transaction with the count of the servers
// that use it: ErrTemplateBuiltin, ErrTemplateInUse (a *TemplateInUseError) or an error
// wrapping templates.ErrNotFound.
func (s templateStore) Delete(ctx context.Context, name string) error {
	if _, err := s.builtin.Get(name); err == nil {
		return fmt.Errorf("%w: %q", ErrTemplateBuiltin, name)
	}
	tx, err := s.db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("delete template %q: %w", name, err)
	}
	defer func() { _ = tx.Rollback() }()
	used, err := tx.Server.Query().Where(server.Template(name)).Count(ctx)
	if err != nil {
		return fmt.Errorf("delete template %q: %w", name, err)
	}
	if used > 0 {
		return &TemplateInUseError{Name: name, Servers: used}
	}
	n, err := tx.Template.Delete().Where(enttemplate.Name(name)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete template %q: %w", name, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %q", templates.ErrNotFound, name)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete template %q: %w", name, err)
	}
	return nil
}
