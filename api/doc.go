// The Go SDK of SkyPanel (module github.com/skypanel/skypanel/api). The generated part (client.gen.go, from openapi.yaml) has every operation and model; the
// hand-written part makes it a client worth importing:
//
//   - New: a Panel (the generated ClientWithResponses) whose token comes from the OAuth2 client
//     credentials grant at <base>/oauth2/token and is replaced a minute before it expires;
//   - retries: 429 and 503 answers (and transport errors) are retried after their Retry-After or
//     an exponential backoff, for idempotent methods only unless WithRetryAll or AllowRetry say
//     otherwise, bounded by RetryPolicy's attempts and total time;
//   - iterators: for s, err := range p.Servers(ctx, filter) walks every page (also Users, Nodes,
//     and Pages for any paged list);
//   - typed errors: Check turns a response of 400 or more into an *APIError carrying the
//     envelope's code, msg and metadata; errors.Is(err, ErrNotFound) and the other sentinels
//     match by code;
//   - Console: the server's WebSocket, with Send and a Messages iterator of typed messages,
//     re-authenticating on token_expiring.
//
// The module depends on oapi-codegen's runtime, golang.org/x/oauth2 and coder/websocket only.
package api
