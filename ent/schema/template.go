package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// Template is a server template an administrator stored in the panel (the built-ins are
// embedded and never stored). body is the template in its own JSON format (templates.Parse
// reads it back); name is the template's name and must not be a built-in's. egg_id and source
// are for imported templates (a Pterodactyl/Pelican egg's id, where it came from).
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
	}
}
