/**
 * The SkyPanel client: an openapi-fetch client typed by the generated `paths`, sending a bearer
 * token from a {@link TokenSource} (fetched again once after a 401) and retrying per {@link RetryOptions}.
 */
import createFetchClient, { type Client } from "openapi-fetch";
import type { paths } from "./schema.gen.js";
import { ClientCredentials, staticToken, type TokenSource } from "./token.js";
import { retryingFetch, type RetryOptions } from "./retry.js";

/** Options of {@link createClient}: client credentials, or a token source, or a fixed token. */
export interface ClientOptions {
  /** The panel's base URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  clientId?: string;
  clientSecret?: string;
  /** Space-separated scopes narrowing the client-credentials token. */
  scope?: string;
  /** Where tokens come from, instead of clientId/clientSecret. */
  tokens?: TokenSource;
  /** A fixed bearer token, instead of clientId/clientSecret. */
  token?: string;
  /** Retry policy (default: 3 retries of idempotent methods on 429/503/network errors). */
  retry?: RetryOptions;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** The underlying fetch (default globalThis.fetch). */
  fetch?: typeof globalThis.fetch;
}

/** A typed client of the panel's API (openapi-fetch's GET/PUT/POST/…) plus its token source. */
export type SkyPanelClient = Client<paths> & {
  /** The panel's base URL without a trailing slash. */
  readonly baseUrl: string;
  /** The token source requests use (the console socket uses it too). */
  readonly tokens: TokenSource;
};

/** Creates a client: `createClient({baseUrl, clientId, clientSecret})`. */
export function createClient(opts: ClientOptions): SkyPanelClient {
  const baseUrl = opts.baseUrl.replace(/\/+$/, "");
  const base = opts.fetch ?? globalThis.fetch;
  const retrying = retryingFetch(base, opts.retry);
  const tokens = opts.tokens ?? (opts.token !== undefined ? staticToken(opts.token) : credentials(opts, baseUrl, base));
  const authed = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request && init === undefined ? input : new Request(input, init);
    const first = req.clone();
    const used = await tokens.token();
    first.headers.set("Authorization", `Bearer ${used}`);
    const resp = await retrying(first);
    if (resp.status !== 401) {
      return resp;
    }
    // A revoked or rotated token: fetch a new one and try once more.
    const fresh = await tokens.refresh();
    if (fresh === used) {
      return resp; // a fixed token: nothing new to try
    }
    await resp.body?.cancel();
    req.headers.set("Authorization", `Bearer ${fresh}`);
    return retrying(req);
  };
  const client = createFetchClient<paths>({ baseUrl, fetch: authed, headers: opts.headers });
  return Object.assign(client, { baseUrl, tokens });
}

function credentials(opts: ClientOptions, baseUrl: string, base: typeof globalThis.fetch): TokenSource {
  if (!opts.clientId || !opts.clientSecret) {
    throw new TypeError("createClient: give clientId and clientSecret, tokens, or token");
  }
  // The token request is a POST, safe to repeat: retried on 429/503 like an idempotent call.
  return new ClientCredentials({ baseUrl, clientId: opts.clientId, clientSecret: opts.clientSecret, scope: opts.scope,
    fetch: retryingFetch(base, { ...opts.retry, nonIdempotent: true }) });
}
