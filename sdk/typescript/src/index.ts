/**
 * SkyPanel (Aether Panel) TypeScript SDK: a typed client generated from the panel's OpenAPI
 * contract (`paths`, `components`), client-credentials tokens, retries honouring Retry-After,
 * paging iterators, file helpers, typed errors and the console WebSocket.
 */
export type { paths, components, operations } from "./schema.gen.js";
export { createClient, type ClientOptions, type SkyPanelClient } from "./client.js";
export { ClientCredentials, staticToken, type ClientCredentialsOptions, type TokenResponse, type TokenSource } from "./token.js";
export { ApiError, OAuth2Error, isEnvelope, parseRetryAfter, unwrap, type ErrorCode, type ErrorEnvelope } from "./errors.js";
export { retryingFetch, backoff, idempotentMethods, retryStatuses, type RetryOptions } from "./retry.js";
export { paginate, servers, users, type Page, type Paging, type Server, type ServerFilter, type User, type UserFilter } from "./paging.js";
export { uploadFile, downloadFile, listFolder, type FileBody, type FileList } from "./files.js";
export { openConsole, socketURL, ConsoleSocket, SocketClosedError, type ConsoleOptions, type ServerStatus, type WsClientMessage, type WsServerMessage } from "./console.js";
