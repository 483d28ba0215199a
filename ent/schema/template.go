package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// Template is a server template an administrator stored in the panel (the built-ins are
// embedded and never stored). body is the template in its own JSON format (templates.Parse
// reads it back); name is the template's name and must not be a built-in's.
//
// Imported templates (POST /api/templates/import) also keep where they came from: source
// ("api" for POST /api/templates, "egg" or "pufferpanel" for imports), format (the detected
// source format: PTDL_v2, PLCN_v1 or pufferpanel; empty for our own format), meta (what the
// converter kept of the source beside the template, as JSON, for the export) and, for eggs,
// egg_id (the integer id PUT /api/servers/{id} takes as eggId). Replacing the template (PUT)
// keeps egg_id and source but clears format and meta: the body no longer is the imported egg.
type Template struct{ ent.Schema }

// Mixin of Template.
func (Template) Mixin() []ent.Mixin { return []ent.Mixin{Timestamps{}} }

// Fields of Template.
func (Template) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(64).Unique().Immutable(),
		field.Bytes("body").NotEmpty().MaxLen(1 << 20),
		field.Int("egg_id").Optional().Nillable().Unique(),
		field.String("source").Default("api").MaxLen(64),
		field.String("format").Default("").MaxLen(32),
		field.Bytes("meta").Optional().MaxLen(1 << 20),
	}
}
