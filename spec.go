// Package skypanel holds the SkyPanel API contract: the OpenAPI 3.0.3 document from which the
// gin strict-server stubs (gen/), the Go client (api/) and run-time request validation are
// generated, and the go:generate lines that regenerate them.
package skypanel

import _ "embed"

// OpenAPI is the raw openapi.yaml document, embedded for run-time request validation, scope
// lookup (x-scope-implies and each operation's security) and the served API reference.
//
//go:embed openapi.yaml
var OpenAPI []byte
