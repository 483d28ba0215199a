/**
 * OAuth2 client-credentials tokens (RFC 6749 §4.4) from `POST /oauth2/token`: fetched on first
 * use, cached, and refreshed a margin before they expire; concurrent callers share one request.
 */
import type { components } from "./schema.gen.js";
import { ApiError, OAuth2Error, isEnvelope } from "./errors.js";

/** The token endpoint's successful answer. */
export type TokenResponse = components["schemas"]["OAuth2TokenResponse"];

/** Options of a {@link ClientCredentials} token source. */
export interface ClientCredentialsOptions {
  /** The panel's base URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes narrowing the token; omitted = all of the client's scopes. */
  scope?: string;
  /** Refresh this many seconds before expiry (default 60, capped at half the token's lifetime). */
  refreshMarginSeconds?: number;
  /** The fetch to use (default globalThis.fetch; the client passes its retrying fetch). */
  fetch?: typeof globalThis.fetch;
  /** The clock in milliseconds (tests). */
  now?: () => number;
}

/** Something that hands out bearer tokens. */
export interface TokenSource {
  /** A valid access token (cached until shortly before it expires). */
  token(): Promise<string>;
  /** Drops the cached token and fetches a new one (after a 401, or on `token_expiring`). */
  refresh(): Promise<string>;
}

interface Cached {
  token: string;
  refreshAt: number; // ms since epoch
}

/** A {@link TokenSource} on the client-credentials grant. */
export class ClientCredentials implements TokenSource {
  private readonly opts: ClientCredentialsOptions;
  private readonly now: () => number;
  private cached: Cached | undefined;
  private pending: Promise<string> | undefined;
  /** How many tokens this source has fetched (diagnostics, tests). */
  fetched = 0;

  constructor(opts: ClientCredentialsOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  token(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) {
      return Promise.resolve(this.cached.token);
    }
    return this.fetchOnce();
  }

  refresh(): Promise<string> {
    this.cached = undefined;
    return this.fetchOnce();
  }

  private fetchOnce(): Promise<string> {
    this.pending ??= this.request().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async request(): Promise<string> {
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    if (this.opts.scope) {
      form.set("scope", this.opts.scope);
    }
    // RFC 6749 §2.3.1: the id and secret are form-encoded before Basic encoding (ASCII, so btoa works).
    const basic = btoa(`${encodeURIComponent(this.opts.clientId)}:${encodeURIComponent(this.opts.clientSecret)}`);
    const doFetch = this.opts.fetch ?? globalThis.fetch;
    const started = this.now();
    const resp = await doFetch(new Request(this.opts.baseUrl.replace(/\/+$/, "") + "/oauth2/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json", Authorization: `Basic ${basic}` },
      body: form.toString(),
    }));
    const text = await resp.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: reported below with the status
    }
    if (!resp.ok) {
      throw tokenError(resp, body);
    }
    const t = body as TokenResponse;
    if (typeof t?.access_token !== "string" || typeof t.expires_in !== "number") {
      throw new OAuth2Error(resp.status, "invalid_response", "the token endpoint answered without access_token/expires_in");
    }
    const margin = Math.min(this.opts.refreshMarginSeconds ?? 60, t.expires_in / 2);
    this.cached = { token: t.access_token, refreshAt: started + (t.expires_in - margin) * 1000 };
    this.fetched++;
    return t.access_token;
  }
}

/** A failed token request: RFC 6749 errors as OAuth2Error, the envelope (429, 5xx) as ApiError. */
function tokenError(resp: Response, body: unknown): Error {
  if (isEnvelope(body)) {
    return ApiError.from(resp, body);
  }
  if (typeof body === "object" && body !== null && typeof (body as { error?: unknown }).error === "string") {
    const b = body as { error: string; error_description?: string };
    return new OAuth2Error(resp.status, b.error, b.error_description ?? "");
  }
  return ApiError.from(resp, body);
}

/** A fixed token (one obtained elsewhere); refresh returns it again. */
export function staticToken(token: string): TokenSource {
  return { token: () => Promise.resolve(token), refresh: () => Promise.resolve(token) };
}
