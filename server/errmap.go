package server

import (
	"encoding/json"
	"errors"
	"net/http"

	openapitypes "github.com/oapi-codegen/runtime/types"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/ent"
	rt "github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/oauth"
	"github.com/skypanel/skypanel/server/store"
)

// errorMapper maps the sentinel errors of one feature to the envelope, or returns nil.
type errorMapper func(error) *APIError

// errorMappers is the panel's list of mappers, tried in order: the core's, then each
// feature's (<feature>_errors.go). App.errs holds it; nothing registers itself.
func errorMappers() []errorMapper {
	return []errorMapper{mapCoreError, mapDatabaseError, mapDiskError, mapFilesError, mapBackupError,
		mapSocketError, mapTemplateError}
}

// toAPIError maps any error to an APIError, the one place where errors become HTTP: an
// APIError as it is, a sentinel through the first mapper that knows it, anything else a 500
// with a safe message.
func (a *App) toAPIError(err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	for _, m := range a.errs {
		if ae := m(err); ae != nil {
			return ae
		}
	}
	return errInternal(err)
}

func mapCoreError(err error) *APIError {
	var se *oauth.ScopeError
	switch {
	case errors.As(err, &se):
		return newAPIError(http.StatusBadRequest, CodeFieldInvalid, se.Error(), map[string]any{"field": "scopes", "scope": se.Scope})
	case errors.Is(err, store.ErrPasswordPolicy):
		return errFieldInvalid("password", err.Error())
	case errors.Is(err, oauth.ErrClientNotFound):
		return newAPIError(http.StatusNotFound, CodeNotFound, "OAuth2 client not found", nil)
	case errors.Is(err, oauth.ErrUserNotFound):
		return newAPIError(http.StatusNotFound, CodeUserNotFound, "user not found", nil)
	case errors.Is(err, oauth.ErrNodeNotFound):
		return newAPIError(http.StatusNotFound, CodeNodeNotFound, "node not found", nil)
	case nodeFailure(err):
		return nodeUnavailable(err)
	case errors.Is(err, daemon.ErrNotFound):
		return newAPIError(http.StatusNotFound, CodeServerNotFound, "server not found on its node", nil)
	case errors.Is(err, daemon.ErrNotRunning), errors.Is(err, rt.ErrNotRunning):
		return newAPIError(http.StatusConflict, CodeServerNotRunning, err.Error(), nil)
	case errors.Is(err, daemon.ErrSuspended): // the node refused before the panel's own check (suspend.go)
		return newAPIError(http.StatusConflict, CodeServerSuspended, err.Error(), nil)
	case errors.Is(err, daemon.ErrBusy):
		return newAPIError(http.StatusConflict, CodeServerBusy, err.Error(), nil)
	case errors.Is(err, daemon.ErrInvalidState), errors.Is(err, rt.ErrRunning):
		return newAPIError(http.StatusConflict, CodeInvalidState, err.Error(), nil)
	case errors.Is(err, daemon.ErrInvalidDefinition), errors.Is(err, rt.ErrInvalidSpec):
		return newAPIError(http.StatusBadRequest, CodeFieldInvalid, err.Error(), map[string]any{"field": "definition"})
	case errors.Is(err, rt.ErrImage):
		return newAPIError(http.StatusBadRequest, CodeFieldInvalid, err.Error(), map[string]any{"field": "dockerImage"})
	case errors.Is(err, daemon.ErrClosed), errors.Is(err, rt.ErrUnavailable):
		return newAPIError(http.StatusServiceUnavailable, CodeNodeUnavailable, err.Error(), nil)
	case ent.IsConstraintError(err):
		return errConflict("the change conflicts with existing data", nil)
	case ent.IsValidationError(err):
		var ve *ent.ValidationError
		errors.As(err, &ve)
		return errFieldInvalid(ve.Name, "invalid value for "+ve.Name)
	}
	return nil
}

// bodyFieldError names the field of a body decoding failure: a number too large for its Go
// type (json.UnmarshalTypeError knows the field), or openapi_types.Email, which refuses a value before the handler's own check could name "email"
// (every `format: email` property of openapi.yaml is called email). nil when it is not such a
// failure.
func bodyFieldError(err error) *APIError {
	if errors.Is(err, openapitypes.ErrValidationEmail) {
		return errEmailInvalid() // users.go: the handler's own answer
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return errFieldInvalid(te.Field, te.Field+": the value does not fit a "+te.Type.String())
	}
	return nil
}

// nodeFailure reports whether err is a node that does not answer or whose daemon is too
// old: the errors nodeUnavailable maps, whose reason publicMsg hides from non-administrators.
func nodeFailure(err error) bool {
	return errors.Is(err, node.ErrUnavailable) || errors.Is(err, node.ErrDaemonTooOld)
}

// nodeUnavailable is the 503 of a node that does not answer, or whose daemon is too old for
// the operation ("node daemon too old for <operation>"), with metadata.nodeId when the error
// says which node. The message carries the reason (hosts, sockets, paths): writeError
// replaces it with a generic one for non-administrators (nodeReasonHidden).
func nodeUnavailable(err error) *APIError {
	var md map[string]any
	if id, ok := node.NodeIDOf(err); ok {
		md = map[string]any{"nodeId": id}
	}
	return newAPIError(http.StatusServiceUnavailable, CodeNodeUnavailable, err.Error(), md)
}

// nodeReasonHidden is the message a non-administrator gets instead of a node's reason.
const nodeReasonHidden = "the server's node is unavailable; try again later or ask an administrator"

// publicMsg is the message of ae (mapped from err) for p: a node's unavailability reason only
// for administrators.
func publicMsg(p *Principal, err error, ae *APIError) string {
	if nodeFailure(err) && (p == nil || !p.Admin) {
		return nodeReasonHidden
	}
	return ae.Msg
}
