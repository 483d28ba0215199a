package panel

import "errors"

// Sentinel errors; methods wrap them with %w.
var (
	// ErrClientID: the client id is not a node deployment client ".node_<id>".
	ErrClientID = errors.New("not a node client id (want .node_<id>)")
	// ErrOptions: the options are incomplete (panel URL, secret).
	ErrOptions = errors.New("invalid panel client options")
	// ErrCredentials: the panel refused the node's credentials or its token (400/401/403/404):
	// retrying will not help until the operator fixes them.
	ErrCredentials = errors.New("panel refused the node's credentials")
	// ErrPanelUnavailable: the panel did not answer, or answered 429/5xx.
	ErrPanelUnavailable = errors.New("panel unavailable")
)
