// Package apispec serves an OpenAPI 3 document at run time over plain net/http, free of gin
// and of the panel: it loads a spec into a kin-openapi router (Load), validates requests
// against it in a middleware (Validator: media type from the headers, JSON and form bodies
// bounded before they are read, binary bodies streamed unread), writes the error envelope
// {"error":{"code","msg","metadata"}} with caller-chosen codes (Codes, WriteError), and checks
// responses against the spec in tests (Spec.CheckResponse, Transport).
//
// The panel (openapi.yaml, through a thin gin adapter in server/) and the node daemon
// (daemon.yaml) both use it; their error-code enums differ, so every code is passed in.
package apispec
