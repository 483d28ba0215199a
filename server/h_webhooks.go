package server

import (
	"context"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/webhook"
	"github.com/skypanel/skypanel/ent/webhookdelivery"
	"github.com/skypanel/skypanel/gen"
	hooks "github.com/skypanel/skypanel/server/webhook"
)

// errWebhookNotFound is the 404 of a webhook id (or a delivery id not under it).
func errWebhookNotFound(what string, id any) *APIError { return errNotFound(CodeNotFound, what, id) }

// checkWebhookURL refuses anything but an absolute http(s) URL without user information.
// Loopback and private addresses are allowed: only administrators register endpoints.
func checkWebhookURL(u string) error {
	if !absoluteHTTPURL(u) {
		return errFieldInvalid("url", "url must be an absolute http or https URL without user information, like https://billing.example.com/hook")
	}
	return nil
}

func eventFilter(in []gen.WebhookEventFilter) []string {
	out := make([]string, len(in))
	for i, e := range in {
		out[i] = string(e)
	}
	return out
}

func toWebhook(w *ent.Webhook) gen.Webhook {
	ev := make([]gen.WebhookEventFilter, len(w.Events))
	for i, e := range w.Events {
		ev[i] = gen.WebhookEventFilter(e)
	}
	return gen.Webhook{Id: int64(w.ID), Url: w.URL, Events: ev, Description: w.Description, Active: w.Active,
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
}

// ListWebhooks lists the endpoints by id, without secrets.
func (h *Handlers) ListWebhooks(ctx context.Context, req gen.ListWebhooksRequestObject) (gen.ListWebhooksResponseObject, error) {
	page, limit := pageOf(req.Params.Page, req.Params.Limit)
	q := h.a.store.Client.Webhook.Query()
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := q.Order(ent.Asc(webhook.FieldID)).Offset(offset(page, limit)).Limit(limit).All(ctx)
	if err != nil {
		return nil, err
	}
	out := gen.WebhookList{Webhooks: make([]gen.Webhook, 0, len(rows)), Metadata: listMeta(page, limit, total)}
	for _, r := range rows {
		out.Webhooks = append(out.Webhooks, toWebhook(r))
	}
	return gen.ListWebhooks200JSONResponse{Body: out}, nil
}

// CreateWebhook registers an endpoint with a new secret, sealed in the same transaction
// (bound to the new id); the secret is returned only here.
func (h *Handlers) CreateWebhook(ctx context.Context, req gen.CreateWebhookRequestObject) (gen.CreateWebhookResponseObject, error) {
	b := req.Body
	if err := checkWebhookURL(b.Url); err != nil {
		return nil, err
	}
	secret := hooks.NewSecret()
	var row *ent.Webhook
	err := withTx(ctx, h.a.store.Client, func(tx *ent.Tx) error {
		c := tx.Webhook.Create().SetURL(b.Url).SetEvents(eventFilter(b.Events)).SetNillableDescription(b.Description).
			SetNillableActive(b.Active)
		w, err := c.Save(ctx)
		if err != nil {
			return err
		}
		row, err = w.Update().SetSecretEnc(h.a.hooks.SealSecret(w.ID, secret)).Save(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	h.a.watcher.Kick() // it may want state events
	return gen.CreateWebhook201JSONResponse{Body: withSecret(row, secret)}, nil
}

func withSecret(row *ent.Webhook, secret string) gen.WebhookCreated {
	w := toWebhook(row)
	return gen.WebhookCreated{Id: w.Id, Url: w.Url, Events: w.Events, Description: w.Description, Active: w.Active,
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt, Secret: secret}
}

// RotateWebhookSecret replaces the secret; the next attempts are signed with the new one.
func (h *Handlers) RotateWebhookSecret(ctx context.Context, req gen.RotateWebhookSecretRequestObject) (gen.RotateWebhookSecretResponseObject, error) {
	w, err := h.webhookByID(ctx, req.WebhookId)
	if err != nil {
		return nil, err
	}
	secret := hooks.NewSecret()
	if w, err = w.Update().SetSecretEnc(h.a.hooks.SealSecret(w.ID, secret)).Save(ctx); ent.IsNotFound(err) {
		return nil, errWebhookNotFound("Webhook", req.WebhookId)
	} else if err != nil {
		return nil, err
	}
	return gen.RotateWebhookSecret200JSONResponse{Body: withSecret(w, secret)}, nil
}

func (h *Handlers) webhookByID(ctx context.Context, id int64) (*ent.Webhook, error) {
	w, err := h.a.store.Client.Webhook.Get(ctx, int(id))
	if ent.IsNotFound(err) {
		return nil, errWebhookNotFound("Webhook", id)
	}
	return w, err
}

// GetWebhook returns one endpoint, without its secret.
func (h *Handlers) GetWebhook(ctx context.Context, req gen.GetWebhookRequestObject) (gen.GetWebhookResponseObject, error) {
	w, err := h.webhookByID(ctx, req.WebhookId)
	if err != nil {
		return nil, err
	}
	return gen.GetWebhook200JSONResponse{Body: toWebhook(w)}, nil
}

// UpdateWebhook changes the fields present.
func (h *Handlers) UpdateWebhook(ctx context.Context, req gen.UpdateWebhookRequestObject) (gen.UpdateWebhookResponseObject, error) {
	b := req.Body
	if b.Url != nil {
		if err := checkWebhookURL(*b.Url); err != nil {
			return nil, err
		}
	}
	w, err := h.webhookByID(ctx, req.WebhookId)
	if err != nil {
		return nil, err
	}
	u := w.Update().SetNillableURL(b.Url).SetNillableDescription(b.Description).SetNillableActive(b.Active)
	if b.Events != nil {
		u.SetEvents(eventFilter(*b.Events))
	}
	if w, err = u.Save(ctx); ent.IsNotFound(err) {
		return nil, errWebhookNotFound("Webhook", req.WebhookId)
	} else if err != nil {
		return nil, err
	}
	h.a.watcher.Kick()
	return gen.UpdateWebhook200JSONResponse{Body: toWebhook(w)}, nil
}

// DeleteWebhook removes an endpoint and (cascade) its deliveries.
func (h *Handlers) DeleteWebhook(ctx context.Context, req gen.DeleteWebhookRequestObject) (gen.DeleteWebhookResponseObject, error) {
	err := h.a.store.Client.Webhook.DeleteOneID(int(req.WebhookId)).Exec(ctx)
	if ent.IsNotFound(err) {
		return nil, errWebhookNotFound("Webhook", req.WebhookId)
	}
	if err != nil {
		return nil, err
	}
	return gen.DeleteWebhook204Response{}, nil
}

func toDelivery(d *ent.WebhookDelivery) gen.WebhookDelivery {
	return gen.WebhookDelivery{Id: int64(d.ID), WebhookId: int64(d.WebhookID), Event: gen.WebhookEventType(d.Event),
		EventId: d.EventID, Status: gen.WebhookDeliveryStatus(d.Status), Attempts: d.Attempts,
		LastStatusCode: d.LastStatusCode, LastError: d.LastError, NextAttemptAt: d.NextAttemptAt,
		DeliveredAt: d.DeliveredAt, CreatedAt: d.CreatedAt}
}

// ListWebhookDeliveries is an endpoint's delivery log, newest first.
func (h *Handlers) ListWebhookDeliveries(ctx context.Context, req gen.ListWebhookDeliveriesRequestObject) (gen.ListWebhookDeliveriesResponseObject, error) {
	if _, err := h.webhookByID(ctx, req.WebhookId); err != nil {
		return nil, err
	}
	page, limit := pageOf(req.Params.Page, req.Params.Limit)
	q := h.a.store.Client.WebhookDelivery.Query().Where(webhookdelivery.WebhookID(int(req.WebhookId)))
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := q.Order(ent.Desc(webhookdelivery.FieldID)).Offset(offset(page, limit)).Limit(limit).All(ctx)
	if err != nil {
		return nil, err
	}
	out := gen.WebhookDeliveryList{Deliveries: make([]gen.WebhookDelivery, 0, len(rows)), Metadata: listMeta(page, limit, total)}
	for _, r := range rows {
		out.Deliveries = append(out.Deliveries, toDelivery(r))
	}
	return gen.ListWebhookDeliveries200JSONResponse{Body: out}, nil
}

// RedeliverWebhookDelivery makes a delivery due now; the request does not wait for it.
func (h *Handlers) RedeliverWebhookDelivery(ctx context.Context, req gen.RedeliverWebhookDeliveryRequestObject) (gen.RedeliverWebhookDeliveryResponseObject, error) {
	d, err := h.a.store.Client.WebhookDelivery.Query().Where(webhookdelivery.ID(int(req.DeliveryId)),
		webhookdelivery.WebhookID(int(req.WebhookId))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errWebhookNotFound("Webhook delivery", req.DeliveryId)
	}
	if err != nil {
		return nil, err
	}
	if d, err = h.a.hooks.Redeliver(ctx, d); err != nil {
		return nil, err
	}
	return gen.RedeliverWebhookDelivery202JSONResponse{Body: toDelivery(d)}, nil
}
