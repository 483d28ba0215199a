package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skypanel/skypanel/ent"
)

// Suspended servers (openapi.yaml, "Suspended servers (`x-suspended`)"): every operation with
// a serverId path parameter carries a SuspendedMode read from the spec at load; the guard puts
// the matched operation's mode in the request's context and serverByID refuses a suspended
// server for it (checkSuspended). The rule is never re-listed by hand.

// SuspendedMode is what an operation on a server allows while the server is suspended.
type SuspendedMode uint8

const (
	// SuspendedAdmin (x-suspended absent): administrators may, tenants get 409.
	SuspendedAdmin SuspendedMode = iota
	// SuspendedAllow (x-suspended: allow): anyone may (viewing, suspend, unsuspend).
	SuspendedAllow
	// SuspendedDeny (x-suspended: deny): nobody may, administrators included.
	SuspendedDeny
)

// extSuspended is the extension's name; serverIDParam the path parameter naming a server.
const (
	extSuspended  = "x-suspended"
	serverIDParam = "serverId"
)

// String is the extension's value ("" for the default).
func (m SuspendedMode) String() string {
	switch m {
	case SuspendedAllow:
		return "allow"
	case SuspendedDeny:
		return "deny"
	}
	return ""
}

// suspendedModeOf reads an operation's x-suspended mark. onServer reports whether the
// operation names a server (a serverId path parameter); a mark on another operation, or an
// unknown value, is ErrBadExtension.
func suspendedModeOf(item *openapi3.PathItem, op *openapi3.Operation) (mode SuspendedMode, onServer bool, err error) {
	onServer = op.Parameters.GetByInAndName(openapi3.ParameterInPath, serverIDParam) != nil ||
		item.Parameters.GetByInAndName(openapi3.ParameterInPath, serverIDParam) != nil
	v, ok := op.Extensions[extSuspended]
	if !ok {
		return SuspendedAdmin, onServer, nil
	}
	if !onServer {
		return 0, false, fmt.Errorf("%w: %s on an operation without a %s path parameter", ErrBadExtension, extSuspended, serverIDParam)
	}
	switch v {
	case SuspendedAllow.String():
		return SuspendedAllow, true, nil
	case SuspendedDeny.String():
		return SuspendedDeny, true, nil
	}
	return 0, false, fmt.Errorf("%w: %s: %v", ErrBadExtension, extSuspended, v)
}

// suspendedModeKey is the context key of the operation's SuspendedMode.
type suspendedModeKey struct{}

// withSuspendedMode returns ctx carrying the mode of the operation being served.
func withSuspendedMode(ctx context.Context, m SuspendedMode) context.Context {
	return context.WithValue(ctx, suspendedModeKey{}, m)
}

// suspendedModeFrom returns the mode of the operation being served; SuspendedAdmin (the
// strict default) when none was set.
func suspendedModeFrom(ctx context.Context) SuspendedMode {
	m, _ := ctx.Value(suspendedModeKey{}).(SuspendedMode)
	return m
}

// checkSuspended refuses s when it is suspended and the current operation's mode does not let
// the caller act on it: 409 ErrServerSuspended. Call it once the caller may see s (another
// user's server stays a 404).
func checkSuspended(ctx context.Context, s *ent.Server) error {
	if !s.Suspended {
		return nil
	}
	switch suspendedModeFrom(ctx) {
	case SuspendedAllow:
		return nil
	case SuspendedAdmin:
		if p := PrincipalFrom(ctx); p != nil && p.Admin {
			return nil
		}
		return errServerSuspended(s.ID, "only viewing it is allowed until it is unsuspended")
	}
	return errServerSuspended(s.ID, "unsuspend it first")
}

// errServerSuspended is the 409 ErrServerSuspended of server id, saying why.
func errServerSuspended(id, why string) *APIError {
	return newAPIError(http.StatusConflict, CodeServerSuspended, fmt.Sprintf("server %s is suspended: %s", id, why),
		map[string]any{"id": id})
}
