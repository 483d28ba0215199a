// Package schema holds the hand-written ent schemas of the panel database: users, OAuth2
// clients and tokens, SSH keys, nodes, servers, settings, database hosts, server databases and webhooks.
//
// Everything else under ent/ is generated from these files with
//
//	go tool ent generate --feature sql/upsert,sql/execquery ./ent/schema
//
// run from the module root, and is never edited by hand. Foreign keys are explicit fields so
// that they can be indexed (every lookup and every list order has an index); cascades are
// declared with entsql.OnDelete so SQLite (opened with _fk=1) enforces them.
package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// CreatedAt adds an immutable created_at timestamp.
type CreatedAt struct{ mixin.Schema }

// Fields of the CreatedAt mixin.
func (CreatedAt) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(nowUTC).Immutable(),
	}
}

// Timestamps adds created_at and an updated_at that follows every update.
type Timestamps struct{ mixin.Schema }

// Fields of the Timestamps mixin.
func (Timestamps) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(nowUTC).Immutable(),
		field.Time("updated_at").Default(nowUTC).UpdateDefault(nowUTC),
	}
}

func nowUTC() time.Time { return time.Now().UTC() }
