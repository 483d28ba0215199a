/**
 * Typed errors of the SDK: {@link ApiError} for the panel's error envelope
 * (`{"error":{"code","msg","metadata"}}`) and {@link OAuth2Error} for RFC 6749 token errors.
 */
import type { components } from "./schema.gen.js";

/** An error code of the envelope (the spec's `ErrorCode` enum). */
export type ErrorCode = components["schemas"]["ErrorCode"];

/** The envelope the panel returns on every failing `/api` request. */
export type ErrorEnvelope = components["schemas"]["Error"];

/** A failed API call: the HTTP status plus the envelope's code, message and metadata. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  /** HTTP status of the response (e.g. 404). */
  readonly status: number;
  /** The envelope's `code` (e.g. `ErrServerNotFound`); `ErrInternal` when the body was no envelope. */
  readonly code: ErrorCode;
  /** The envelope's `msg`. */
  readonly msg: string;
  /** The envelope's `metadata` (`{id}` for not-found codes, `{errors}` for validation, …). */
  readonly metadata: Record<string, unknown>;
  /** Seconds to wait before retrying, from `Retry-After` (429, 503), when the panel sent it. */
  readonly retryAfter: number | undefined;

  constructor(status: number, code: ErrorCode, msg: string, metadata: Record<string, unknown> = {}, retryAfter?: number) {
    super(`${status} ${code}: ${msg}`);
    this.status = status;
    this.code = code;
    this.msg = msg;
    this.metadata = metadata;
    this.retryAfter = retryAfter;
  }

  /**
   * Builds the error of a failed response from its (already parsed) body. A body that is not
   * the envelope (a proxy's HTML page, say) keeps the status with code `ErrInternal`.
   */
  static from(response: Response, body: unknown): ApiError {
    const retryAfter = parseRetryAfter(response.headers.get("Retry-After"));
    if (isEnvelope(body)) {
      const e = body.error;
      return new ApiError(response.status, e.code, e.msg, e.metadata ?? {}, retryAfter);
    }
    const text = typeof body === "string" ? body.slice(0, 200) : "";
    return new ApiError(response.status, "ErrInternal", text || `HTTP ${response.status} ${response.statusText}`, {}, retryAfter);
  }
}

/** An RFC 6749 §5.2 error from `POST /oauth2/token` (e.g. `invalid_client`). */
export class OAuth2Error extends Error {
  override readonly name = "OAuth2Error";
  readonly status: number;
  /** RFC 6749 error code: `invalid_client`, `invalid_scope`, … */
  readonly error: string;
  readonly description: string;

  constructor(status: number, error: string, description = "") {
    super(`${status} ${error}${description ? ": " + description : ""}`);
    this.status = status;
    this.error = error;
    this.description = description;
  }
}

/** Reports whether body is the panel's error envelope. */
export function isEnvelope(body: unknown): body is ErrorEnvelope {
  if (typeof body !== "object" || body === null || !("error" in body)) {
    return false;
  }
  const e = (body as { error: unknown }).error;
  return typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" &&
    typeof (e as { msg?: unknown }).msg === "string";
}

/**
 * Parses a `Retry-After` header (delay-seconds or an HTTP date) into seconds ≥ 0, or undefined
 * when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === "") {
    return undefined;
  }
  const v = value.trim();
  if (/^\d+$/.test(v)) {
    return Number(v);
  }
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * Returns the data of an openapi-fetch result, or throws its {@link ApiError}:
 * `const s = unwrap(await client.GET("/api/servers/{serverId}", {params: {path: {serverId}}}))`.
 */
export function unwrap<D, E>(result: { data?: D; error?: E; response: Response }): D {
  if (!result.response.ok) {
    throw ApiError.from(result.response, result.error);
  }
  return result.data as D;
}
