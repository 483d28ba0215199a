package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/webhookdelivery"
)

// leaseMargin is added to the request timeout when a row is claimed: a panel that dies
// mid-attempt retries the row once the lease ends.
const leaseMargin = 30 * time.Second

// outcome is the result of one request.
type outcome struct {
	code *int   // the answer's status, nil without an answer
	err  string // "" = delivered
}

// attempt claims d, sends it once and records the outcome. A cancelled ctx (Close) before
// an answer gives the row back, due, without counting an attempt.
func (e *Engine) attempt(ctx context.Context, d *ent.WebhookDelivery) {
	claim := d.Claim + 1
	lease := time.Now().UTC().Add(e.cfg.Timeout + leaseMargin)
	n, err := e.client.WebhookDelivery.Update().
		Where(webhookdelivery.ID(d.ID), webhookdelivery.Claim(d.Claim),
			webhookdelivery.StatusEQ(webhookdelivery.StatusPending)).
		SetClaim(claim).SetNextAttemptAt(lease).Save(ctx)
	if err != nil || n != 1 {
		return // taken by another worker, redelivered, deleted, or shutting down
	}
	hook, err := e.client.Webhook.Get(ctx, d.WebhookID)
	if err != nil {
		e.giveBack(d, claim, err)
		return
	}
	out, err := e.send(ctx, hook, d)
	if err != nil { // cancelled before an answer
		e.giveBack(d, claim, err)
		return
	}
	e.record(d, claim, out)
}

// send POSTs the delivery once. It returns an error only when ctx ended first.
func (e *Engine) send(ctx context.Context, hook *ent.Webhook, d *ent.WebhookDelivery) (outcome, error) {
	secret, err := e.OpenSecret(hook)
	if err != nil {
		return outcome{err: "the webhook's secret cannot be read"}, nil
	}
	rctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, hook.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return outcome{err: "invalid url: " + err.Error()}, nil
	}
	ts := time.Now().Unix()
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "SkyPanel-Webhook/1")
	h.Set(HeaderEvent, d.Event)
	h.Set(HeaderDelivery, strconv.Itoa(d.ID))
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, Sign(secret, ts, d.Payload))
	resp, err := e.cfg.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return outcome{}, ctx.Err()
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return outcome{err: fmt.Sprintf("no answer within %s", e.cfg.Timeout)}, nil
		}
		return outcome{err: err.Error()}, nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, e.cfg.MaxResponse))
	_ = resp.Body.Close()
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return outcome{code: &code}, nil
	}
	return outcome{code: &code, err: fmt.Sprintf("%s: %d", ErrStatus.Error(), code)}, nil
}

// record stores an attempt's outcome, if the row is still ours (a redeliver call or a
// delete meanwhile wins).
func (e *Engine) record(d *ent.WebhookDelivery, claim int64, out outcome) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := time.Now().UTC()
	u := e.client.WebhookDelivery.Update().
		Where(webhookdelivery.ID(d.ID), webhookdelivery.Claim(claim)).
		AddAttempts(1).SetNillableLastStatusCode(out.code)
	if out.code == nil {
		u.ClearLastStatusCode()
	}
	switch next := now.Add(e.backoff(d.Attempts + 1)); {
	case out.err == "":
		u.SetStatus(webhookdelivery.StatusDelivered).SetDeliveredAt(now).ClearLastError().ClearNextAttemptAt()
	case next.After(d.RetryUntil):
		u.SetStatus(webhookdelivery.StatusFailed).SetLastError(out.err).ClearNextAttemptAt()
	default:
		u.SetLastError(out.err).SetNextAttemptAt(next)
	}
	if _, err := u.Save(ctx); err != nil {
		e.log.Error("record webhook attempt", "delivery", d.ID, "err", err)
	}
	if out.err != "" {
		e.log.Debug("webhook attempt failed", "delivery", d.ID, "err", out.err)
	}
}

// giveBack makes a claimed row due again without counting an attempt.
func (e *Engine) giveBack(d *ent.WebhookDelivery, claim int64, cause error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	due := time.Now().UTC()
	if d.NextAttemptAt != nil {
		due = *d.NextAttemptAt
	}
	_, err := e.client.WebhookDelivery.Update().Where(webhookdelivery.ID(d.ID), webhookdelivery.Claim(claim)).
		SetNextAttemptAt(due).Save(ctx)
	if err != nil {
		e.log.Error("release webhook delivery", "delivery", d.ID, "cause", cause, "err", err)
	}
}

// backoff is the wait after the n-th failed attempt: BaseBackoff·2^(n-1), at most
// MaxBackoff, with full jitter over its upper half.
func (e *Engine) backoff(n int) time.Duration {
	d := e.cfg.BaseBackoff
	for i := 1; i < n && d < e.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, e.cfg.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}
