package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// SSHKey is an SSH public key a user registered for SFTP logins. public_key is the normalised
// authorized_keys form ("<type> <base64>", no options, no comment); fingerprint is OpenSSH's
// SHA256 fingerprint, unique per user.
type SSHKey struct{ ent.Schema }

// Mixin of SSHKey.
func (SSHKey) Mixin() []ent.Mixin { return []ent.Mixin{CreatedAt{}} }

// Fields of SSHKey.
func (SSHKey) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable(),
		field.String("name").NotEmpty().MaxLen(64),
		field.String("public_key").NotEmpty().MaxLen(16384).Immutable(),
		field.String("fingerprint").NotEmpty().MaxLen(128).Immutable(),
	}
}

// Edges of SSHKey. Deleting the user deletes its keys (see User's edge).
func (SSHKey) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("ssh_keys").Field("user_id").
			Unique().Required().Immutable(),
	}
}

// Indexes of SSHKey: one fingerprint per user (also the lookup of a key login).
func (SSHKey) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "fingerprint").Unique(),
	}
}
