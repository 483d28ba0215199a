// Package skypanel holds the SkyPanel API contract: the OpenAPI 3.0.3 document from which the
// gin strict-server stubs (gen/), the Go client (api/) and run-time request validation are
// generated, the node daemon's API (daemon.yaml), and the go:generate lines that regenerate them.
package skypanel

import _ "embed"

// OpenAPI is the raw openapi.yaml document, embedded for run-time request validation, scope
// lookup (x-scope-implies and each operation's security) and the served API reference.
//
//go:embed openapi.yaml
var OpenAPI []byte

// DaemonAPI is the raw daemon.yaml document (the node daemon's HTTP API), embedded so the
// daemon validates requests against it at run time (apispec) and tests check responses.
//
//go:embed daemon.yaml
var DaemonAPI []byte
