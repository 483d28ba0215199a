// Package webhook is the panel's webhook delivery engine: events become one delivery row
// per matching active endpoint (Emit, in the caller's transaction when it has one), and a
// worker pool POSTs them, signed with HMAC-SHA256 (Sign, Verify), retrying with exponential
// backoff and jitter until a 2xx answer or the end of the retry window (24 h by default).
//
// Deliveries live in the database, so a restarted panel resumes the pending ones. Each
// attempt first claims its row (a compare-and-set on the claim counter that also leases the
// row past the request timeout), so two workers or panel replicas never send the same
// attempt, and a panel that dies mid-attempt retries it once the lease ends.
//
// No caller waits on a delivery: Emit only writes rows and wakes the dispatcher. Attempts
// are bounded globally (Config.Workers) and per endpoint (Config.PerEndpoint), and each has
// a timeout, so one slow or hanging endpoint never delays the others.
package webhook
