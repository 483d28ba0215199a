package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/skypanel/skypanel/apispec"
)

// Error codes of the envelope; the spec's ErrorCode enum lists the same values.
const (
	CodeFieldRequired        = "ErrFieldRequired"
	CodeFieldInvalid         = "ErrFieldInvalid"
	CodeServerNotFound       = "ErrServerNotFound"
	CodeUserNotFound         = "ErrUserNotFound"
	CodeNodeNotFound         = "ErrNodeNotFound"
	CodePermissionDenied     = "ErrPermissionDenied"
	CodeDatabaseError        = "ErrDatabaseError"
	CodeUnauthorized         = "ErrUnauthorized"
	CodeNotFound             = "ErrNotFound"
	CodeMethodNotAllowed     = "ErrMethodNotAllowed"
	CodeRateLimited          = "ErrRateLimited"
	CodeConflict             = "ErrConflict"
	CodePayloadTooLarge      = "ErrPayloadTooLarge"
	CodeUnsupportedMediaType = "ErrUnsupportedMediaType"
	CodeNotImplemented       = "ErrNotImplemented"
	CodeInternal             = "ErrInternal"
	CodeServerNotRunning     = "ErrServerNotRunning"
	CodeServerBusy           = "ErrServerBusy"
	CodeInvalidState         = "ErrInvalidState"
	CodeTemplateNotFound     = "ErrTemplateNotFound"
	CodeNodeUnavailable      = "ErrNodeUnavailable"
	CodeServerSuspended      = "ErrServerSuspended"
)

// ErrBadExtension means the spec carries an extension value the panel does not understand.
var ErrBadExtension = errors.New("invalid spec extension")

// APIError is an error that knows its HTTP status and envelope (apispec.Error: the envelope is
// shared with the node daemon). Handlers return it (or a domain error that toAPIError maps)
// and writeError renders it.
type APIError = apispec.Error

func newAPIError(status int, code, msg string, md map[string]any) *APIError {
	return apispec.NewError(status, code, msg, md)
}

// Constructors for the common cases.
func errFieldInvalid(field, msg string) *APIError {
	return newAPIError(http.StatusBadRequest, CodeFieldInvalid, msg, map[string]any{"field": field})
}

func errFieldRequired(field string) *APIError {
	return newAPIError(http.StatusBadRequest, CodeFieldRequired,
		fmt.Sprintf("field %q is required", field), map[string]any{"field": field})
}

func errNotFound(code, what string, id any) *APIError {
	return newAPIError(http.StatusNotFound, code, fmt.Sprintf("%s with ID %v not found", what, id),
		map[string]any{"id": id})
}

func errServerNotFound(id string) *APIError { return errNotFound(CodeServerNotFound, "Server", id) }
func errUserNotFound(id any) *APIError      { return errNotFound(CodeUserNotFound, "User", id) }
func errNodeNotFound(id any) *APIError      { return errNotFound(CodeNodeNotFound, "Node", id) }

func errConflict(msg string, md map[string]any) *APIError {
	return newAPIError(http.StatusConflict, CodeConflict, msg, md)
}

func errPermissionDenied(scopes []string) *APIError {
	return newAPIError(http.StatusForbidden, CodePermissionDenied,
		"this token lacks the scope required for this action", map[string]any{"scopes": scopes})
}

func errUnauthorized(msg string) *APIError {
	return newAPIError(http.StatusUnauthorized, CodeUnauthorized, msg, nil)
}

func errNotImplemented(op string) *APIError {
	return newAPIError(http.StatusNotImplemented, CodeNotImplemented,
		"this operation is not implemented yet", map[string]any{"operation": op})
}

func errInternal(cause error) *APIError {
	return &APIError{Status: http.StatusInternalServerError, Code: CodeInternal,
		Msg: "internal server error", Cause: cause}
}

// writeError renders err as the envelope and aborts the gin chain. 5xx causes are logged with
// the request id; the client only sees the safe message and the request id.
func (a *App) writeError(c *gin.Context, err error) {
	ae := a.toAPIError(err)
	msg, md := publicMsg(PrincipalFrom(c.Request.Context()), err, ae), ae.Metadata // hides a node's reason from tenants
	if ae.Status >= 500 {
		rid := c.GetString(ctxRequestID)
		a.log.Error("request failed", "status", ae.Status, "code", ae.Code, "method", c.Request.Method,
			"path", c.Request.URL.Path, "request_id", rid, "err", err)
		md = map[string]any{"requestId": rid}
		for k, v := range ae.Metadata {
			md[k] = v
		}
	}
	c.Abort()
	apispec.WriteError(c.Writer, &APIError{Status: ae.Status, Code: ae.Code, Msg: msg, Metadata: md})
}
