package webhook

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/webhookdelivery"
	"github.com/skypanel/skypanel/server/store"
)

// secretPrefix marks a webhook secret (so it is recognisable in a receiver's config).
const secretPrefix = "whsec_"

// NewSecret returns a new signing secret: "whsec_" + 32 random bytes, base64url.
func NewSecret() string { return secretPrefix + store.NewSecret() }

func secretAAD(id int) []byte { return []byte("webhook:" + strconv.Itoa(id)) }

// SealSecret encrypts a webhook's secret for its row (bound to the webhook id).
func (e *Engine) SealSecret(id int, secret string) []byte {
	return e.sealer.Seal([]byte(secret), secretAAD(id))
}

// OpenSecret decrypts a webhook's secret.
func (e *Engine) OpenSecret(h *ent.Webhook) ([]byte, error) {
	b, err := e.sealer.Open(h.SecretEnc, secretAAD(h.ID))
	if err != nil {
		return nil, fmt.Errorf("webhook %d secret: %w", h.ID, err)
	}
	return b, nil
}

// Redeliver makes a delivery pending and due now, with a fresh retry window; an attempt in
// flight loses its claim (its outcome is not recorded). It returns the updated row.
func (e *Engine) Redeliver(ctx context.Context, d *ent.WebhookDelivery) (*ent.WebhookDelivery, error) {
	now := time.Now().UTC()
	row, err := d.Update().SetStatus(webhookdelivery.StatusPending).SetNextAttemptAt(now).
		SetRetryUntil(now.Add(e.cfg.RetryFor)).AddClaim(1).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("redeliver %d: %w", d.ID, err)
	}
	e.Wake()
	return row, nil
}
