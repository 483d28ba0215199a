package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// User is a panel account. Scopes are the user's permissions (the perms routes); an OAuth2
// client of the user may hold only a subset of them unless the user is an admin.
type User struct{ ent.Schema }

// Mixin of User.
func (User) Mixin() []ent.Mixin { return []ent.Mixin{Timestamps{}} }

// Fields of User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("username").NotEmpty().MaxLen(64).Unique(),
		field.String("email").NotEmpty().MaxLen(254).Unique(),
		field.String("password_hash").Sensitive(),
		field.Bool("admin").Default(false),
		field.Strings("scopes").Default([]string{}),
		// quota bounds what the user may create as a tenant; nil = no server creation.
		field.JSON("quota", &Quota{}).Optional(),
		// external_id is a billing system's id for the user (unique; nil = none).
		field.String("external_id").Optional().Nillable().NotEmpty().MaxLen(191).Unique(),
	}
}

// Quota is a tenant's allowance, summed over all servers the user owns: the number of
// servers, their memory, disk and CPU limits and their feature limits.
type Quota struct {
	Servers   int   `json:"servers"`
	MemoryMiB int64 `json:"memory"`
	DiskMiB   int64 `json:"disk"`
	CPU       int   `json:"cpu"` // percent of one core
	Databases int   `json:"databases"`
	Backups   int   `json:"backups"`
}

// Edges of User. Deleting a user deletes its OAuth2 clients (and, through them, their
// tokens) and its SSH keys; a user who still owns servers cannot be deleted (foreign key, no action).
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("clients", OAuthClient.Type).
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("servers", Server.Type),
		edge.To("ssh_keys", SSHKey.Type).
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of User: username and email are unique (indexed by the unique constraint).
func (User) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("created_at"),
	}
}
