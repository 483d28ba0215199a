package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Webhook is an endpoint an administrator registered to receive signed event deliveries.
// The signing secret is AES-GCM ciphertext (store.Sealer with the data-folder key, bound to
// the webhook id): the panel needs the plain secret to sign, and never returns it after
// creation.
type Webhook struct{ ent.Schema }

// Mixin of Webhook.
func (Webhook) Mixin() []ent.Mixin { return []ent.Mixin{Timestamps{}} }

// Fields of Webhook.
func (Webhook) Fields() []ent.Field {
	return []ent.Field{
		field.String("url").NotEmpty().MaxLen(2048),
		field.String("description").Default("").MaxLen(255),
		// events the endpoint receives ("*" = every event)
		field.Strings("events"),
		field.Bool("active").Default(true),
		field.Bytes("secret_enc").Optional().Sensitive(),
	}
}

// Edges of Webhook: its deliveries go with it.
func (Webhook) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("deliveries", WebhookDelivery.Type).
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of Webhook: Emit reads the active endpoints.
func (Webhook) Indexes() []ent.Index {
	return []ent.Index{index.Fields("active")}
}

// WebhookDelivery is one event to send to one endpoint: the body is fixed when the event
// happens; the delivery engine (server/webhook) sends it until a 2xx answer or until
// retry_until, then it is failed. claim is bumped by every worker that takes the row, so
// two workers (or panel replicas) never send the same attempt.
type WebhookDelivery struct{ ent.Schema }

// Mixin of WebhookDelivery.
func (WebhookDelivery) Mixin() []ent.Mixin { return []ent.Mixin{CreatedAt{}} }

// Fields of WebhookDelivery.
func (WebhookDelivery) Fields() []ent.Field {
	return []ent.Field{
		field.Int("webhook_id"),
		field.String("event").NotEmpty(),
		field.String("event_id").NotEmpty(),
		field.Bytes("payload"),
		field.Enum("status").Values("pending", "delivered", "failed").Default("pending"),
		field.Int("attempts").Default(0).NonNegative(),
		field.Int("last_status_code").Optional().Nillable(),
		field.String("last_error").Optional().Nillable(),
		field.Time("next_attempt_at").Optional().Nillable(),
		field.Time("retry_until"),
		field.Time("delivered_at").Optional().Nillable(),
		field.Int64("claim").Default(0),
	}
}

// Edges of WebhookDelivery.
func (WebhookDelivery) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("webhook", Webhook.Type).Ref("deliveries").Field("webhook_id").Unique().Required(),
	}
}

// Indexes of WebhookDelivery: the engine reads due rows by time, the log lists by endpoint.
func (WebhookDelivery) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("status", "next_attempt_at"),
		index.Fields("webhook_id", "id"),
	}
}
