package schema

import (
	"crypto/rand"
	"fmt"
	"regexp"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ServerIDPattern is the shape of a server id (client-chosen or generated).
var ServerIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// NewServerID returns a random 8-character server id of upper-case letters and digits
// ("ABC12345" style), used when the client does not choose one.
func NewServerID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b [8]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// Environment types of a server.
const (
	EnvironmentDocker   = "docker"
	EnvironmentStandard = "standard"
)

// Server is a game server definition. The panel database is authoritative for definitions.
type Server struct{ ent.Schema }

// Mixin of Server.
func (Server) Mixin() []ent.Mixin { return []ent.Mixin{Timestamps{}} }

// Fields of Server.
func (Server) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Match(ServerIDPattern).DefaultFunc(NewServerID).Immutable(),
		field.String("name").NotEmpty().MaxLen(191),
		field.Int("owner_id"),
		field.Int("node_id"),
		field.String("template").Optional().Nillable(),
		field.String("image").Default(""),
		field.String("startup").Default(""),
		// icon is a display icon (file name or URL) a tenant may set; "" = none.
		field.String("icon").MaxLen(255).Default(""),
		field.JSON("environment", map[string]string{}).Default(map[string]string{}),
		field.JSON("variables", map[string]any{}).Default(map[string]any{}),
		field.String("environment_type").Default(EnvironmentDocker).Validate(validEnvironment),
		field.Int64("memory").NonNegative().Default(0),
		field.Int64("swap").Min(-1).Default(0),
		field.Int64("disk").NonNegative().Default(0),
		field.Int64("io").NonNegative().Default(500),
		field.Int64("cpu").NonNegative().Default(0),
		// pids bounds the server's processes; 0 = the node's default.
		field.Int64("pids").NonNegative().Default(0),
		field.Int("feature_databases").NonNegative().Default(0),
		field.Int("feature_backups").NonNegative().Default(0),
		field.Int("port").Range(0, 65535),
		field.String("ip").Default(""),
		field.Bool("auto_restart").Default(false),
		// create_hash is the sha256 of the normalised create request (idempotent retries).
		field.String("create_hash").Default(""),
		// external_id is a billing system's id for the server (unique; nil = none).
		field.String("external_id").Optional().Nillable().NotEmpty().MaxLen(191).Unique(),
		// suspended servers stay stopped; tenants may only view them.
		field.Bool("suspended").Default(false),
	}
}

func validEnvironment(s string) error {
	switch s {
	case EnvironmentDocker, EnvironmentStandard:
		return nil
	}
	return fmt.Errorf("environment_type must be %q or %q, got %q", EnvironmentDocker, EnvironmentStandard, s)
}

// Edges of Server. Deleting a server deletes its database rows (the handler drops the
// MySQL databases first).
func (Server) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("owner", User.Type).Ref("servers").Field("owner_id").Unique().Required(),
		edge.From("node", Node.Type).Ref("servers").Field("node_id").Unique().Required(),
		edge.To("databases", ServerDatabase.Type).
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of Server: lists are ordered by id, filtered by owner, node or name.
func (Server) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("owner_id", "id"),
		index.Fields("node_id", "id"),
		index.Fields("node_id", "port").Unique(),
		index.Fields("name"),
	}
}
