/**
 * Retries with exponential backoff and jitter on 429 and 503 (honouring `Retry-After`) and on
 * network errors — for idempotent methods only, unless the caller opts in for the others.
 */
import { parseRetryAfter } from "./errors.js";

/** Retry policy. */
export interface RetryOptions {
  /** Further attempts after the first (default 3; 0 disables retries). */
  retries?: number;
  /** First backoff delay in ms (default 250), doubled per attempt, with jitter. */
  minDelayMs?: number;
  /** Largest backoff delay in ms (default 10 000). */
  maxDelayMs?: number;
  /**
   * A `Retry-After` longer than this (ms, default 60 000) is not waited for: the response is
   * returned as is (an hourly rate limit should reach the caller, not block it).
   */
  maxRetryAfterMs?: number;
  /** Also retry POST and PATCH (default false: they may not be idempotent). */
  nonIdempotent?: boolean;
  /** Waits ms (tests may replace it). */
  sleep?: (ms: number, signal?: AbortSignal | null) => Promise<void>;
}

/** Methods that may be repeated without changing the outcome (RFC 9110 §9.2.2). */
export const idempotentMethods: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

/** Statuses retried: rate limited, and unavailable (a node down, a panel restarting). */
export const retryStatuses: ReadonlySet<number> = new Set([429, 503]);

/** Resolves after ms, or rejects when signal aborts. */
export function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener("abort", abort);
      resolve();
    }
    function abort(): void {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener("abort", abort, { once: true });
  });
}

/** The backoff before retry attempt n (0-based): min·2ⁿ capped at max, with ±50% jitter. */
export function backoff(attempt: number, minDelayMs: number, maxDelayMs: number): number {
  const base = Math.min(maxDelayMs, minDelayMs * 2 ** attempt);
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/**
 * Wraps fetch with the retry policy. The request is cloned before each attempt, so bodies are
 * re-sent intact; `Retry-After` (seconds or a date) replaces the backoff when the panel sends it.
 */
export function retryingFetch(base: typeof globalThis.fetch, opts: RetryOptions = {}): typeof globalThis.fetch {
  const retries = opts.retries ?? 3;
  const minDelay = opts.minDelayMs ?? 250;
  const maxDelay = opts.maxDelayMs ?? 10_000;
  const maxRetryAfter = opts.maxRetryAfterMs ?? 60_000;
  const wait = opts.sleep ?? sleep;
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request && init === undefined ? input : new Request(input, init);
    const retryable = opts.nonIdempotent || idempotentMethods.has(req.method.toUpperCase());
    for (let attempt = 0; ; attempt++) {
      const last = !retryable || attempt >= retries;
      const sent = last ? req : req.clone();
      let resp: Response;
      try {
        resp = await base(sent);
      } catch (err) {
        if (last || req.signal?.aborted) {
          throw err;
        }
        await wait(backoff(attempt, minDelay, maxDelay), req.signal);
        continue;
      }
      if (last || !retryStatuses.has(resp.status)) {
        return resp;
      }
      const after = parseRetryAfter(resp.headers.get("Retry-After"));
      const delay = after === undefined ? backoff(attempt, minDelay, maxDelay) : after * 1000;
      if (delay > maxRetryAfter) {
        return resp;
      }
      await resp.body?.cancel(); // free the connection
      await wait(delay, req.signal);
    }
  };
}
