package server

import (
	"context"
	"errors"
	"time"

	"github.com/skypanel/skypanel/gen"
)

// readyTimeout bounds each readiness check (the database query, the local node's health).
const readyTimeout = 2 * time.Second

// Names of the readiness checks (keys of Health.checks).
const (
	checkDatabase  = "database"
	checkLocalNode = "localNode"
)

// maxCheckMsg bounds a failed check's message (the spec caps it at 256 bytes).
const maxCheckMsg = 200

// GetHealthz answers 200 while the process serves: liveness checks nothing else.
func (h *Handlers) GetHealthz(context.Context, gen.GetHealthzRequestObject) (gen.GetHealthzResponseObject, error) {
	return gen.GetHealthz200JSONResponse{Body: gen.Health{Status: gen.HealthStatusOk, Checks: map[string]string{}}}, nil
}

// GetReadyz answers 200 when the database answers and the local node (if any) is ready,
// else 503 naming the failed check.
func (h *Handlers) GetReadyz(ctx context.Context, _ gen.GetReadyzRequestObject) (gen.GetReadyzResponseObject, error) {
	checks, ok := h.a.readiness(ctx)
	if !ok {
		return gen.GetReadyz503JSONResponse{Body: gen.Health{Status: gen.HealthStatusUnavailable, Checks: checks}}, nil
	}
	return gen.GetReadyz200JSONResponse{Body: gen.Health{Status: gen.HealthStatusOk, Checks: checks}}, nil
}

// readiness runs the checks: a trivial database query, and the local node's Health when
// this panel has a node registry that serves a local node. ok reports whether all passed.
func (a *App) readiness(ctx context.Context) (checks map[string]string, ok bool) {
	checks = map[string]string{}
	ok = true
	set := func(name string, err error) {
		if err == nil {
			checks[name] = "ok"
			return
		}
		ok = false
		msg := err.Error()
		if len(msg) > maxCheckMsg {
			msg = msg[:maxCheckMsg] + "…"
		}
		checks[name] = msg
	}
	set(checkDatabase, a.checkDatabase(ctx))
	if a.localNode != nil {
		set(checkLocalNode, a.localNode(ctx))
	}
	return checks, ok
}

// errNoStore: the App was built without a store.
var errNoStore = errors.New("no database")

// checkDatabase runs SELECT 1 with a short timeout. The message never carries SQL.
func (a *App) checkDatabase(ctx context.Context) error {
	if a.store == nil || a.store.DB == nil {
		return errNoStore
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	var one int
	if err := a.store.DB.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return errors.New("the database did not answer within 2s")
		}
		return errors.New("the database does not answer")
	}
	return nil
}
