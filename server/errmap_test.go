package server

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/files"
	"github.com/skypanel/skypanel/server/mysql"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/templates"
)

// TestErrorMappers: the explicit mapper list (no init registrations) reaches every feature's
// sentinels, wrapped or not; an APIError passes through; anything else is a safe 500.
func TestErrorMappers(t *testing.T) {
	a := &App{errs: errorMappers()}
	own := newAPIError(http.StatusTeapot, CodeConflict, "own", nil)
	for _, c := range []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"api error as is", fmt.Errorf("wrapped: %w", own), http.StatusTeapot, CodeConflict},
		{"core", node.Unavailable(3, errors.New("down")), http.StatusServiceUnavailable, CodeNodeUnavailable},
		{"daemon too old", fmt.Errorf("x: %w", &node.TooOldError{NodeID: 3, Operation: "power", Err: errors.New("no such route")}),
			http.StatusServiceUnavailable, CodeNodeUnavailable},
		{"node refuses a suspended server", fmt.Errorf("x: %w", daemon.ErrSuspended), http.StatusConflict, CodeServerSuspended},
		{"databases", fmt.Errorf("x: %w", mysql.ErrInvalidName), http.StatusBadRequest, CodeFieldInvalid},
		{"files", fmt.Errorf("x: %w", files.ErrNotFound), http.StatusNotFound, CodeFileNotFound},
		{"socket", fmt.Errorf("x: %w", ErrTooManySockets), http.StatusTooManyRequests, CodeRateLimited},
		{"templates", fmt.Errorf("x: %w", templates.ErrNotFound), http.StatusNotFound, CodeTemplateNotFound},
		{"unknown", errors.New("boom"), http.StatusInternalServerError, CodeInternal},
	} {
		t.Run(c.name, func(t *testing.T) {
			ae := a.toAPIError(c.err)
			if ae.Status != c.status || ae.Code != c.code {
				t.Fatalf("%v → %d %s, want %d %s", c.err, ae.Status, ae.Code, c.status, c.code)
			}
		})
	}
	if ae := (&App{}).toAPIError(fmt.Errorf("x: %w", templates.ErrNotFound)); ae.Status != http.StatusInternalServerError {
		t.Fatalf("an app without mappers mapped a feature error: %d", ae.Status)
	}
}
