package nodeapi

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/routers"

	"github.com/skypanel/skypanel/apispec"
)

// route answers the requests daemon.yaml has no operation for, before validation and the
// generated router: an unknown path → 404 ErrRouteNotFound; a known path with a method it
// does not declare (HEAD and OPTIONS included) → 405 ErrMethodNotAllowed with an Allow
// header. It runs after authenticate, so only the panel learns which routes exist.
func (s *strictServer) route(next http.Handler) http.Handler {
	spec, err := daemonSpec()
	if err != nil { // validate refuses everything and logs why
		return next
	}
	methods := specMethods(spec)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.EscapedPath()
		_, _, err := spec.Match(r.Method, path)
		switch {
		case err == nil:
			next.ServeHTTP(w, r)
		case errors.Is(err, routers.ErrMethodNotAllowed):
			allow := allowedMethods(spec, methods, path)
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeCodeError(w, fmt.Errorf("%w: %s %s (allowed: %s)", ErrMethodNotAllowed,
				r.Method, r.URL.Path, strings.Join(allow, ", ")))
		default:
			writeRouteNotFound(w, r)
		}
	})
}

// writeRouteNotFound answers 404 ErrRouteNotFound for r.
func writeRouteNotFound(w http.ResponseWriter, r *http.Request) {
	writeCodeError(w, fmt.Errorf("%w: %s %s", ErrRouteNotFound, r.Method, r.URL.Path))
}

// writeCodeError writes err in the envelope with the code and status of CodeOf.
func writeCodeError(w http.ResponseWriter, err error) {
	code, status := CodeOf(err)
	writeError(w, status, code, err.Error())
}

// specMethods are the methods of daemon.yaml's operations, sorted.
func specMethods(spec *apispec.Spec) []string {
	var ms []string
	for _, op := range spec.Operations() {
		if !slices.Contains(ms, op.Method) {
			ms = append(ms, op.Method)
		}
	}
	slices.Sort(ms)
	return ms
}

// allowedMethods are the methods daemon.yaml declares for the escaped path.
func allowedMethods(spec *apispec.Spec, methods []string, path string) []string {
	var allow []string
	for _, m := range methods {
		if _, _, err := spec.Match(m, path); err == nil {
			allow = append(allow, m)
		}
	}
	return allow
}

// OperationOf names the daemon.yaml operation of a request's method and escaped path (its
// operationId), or "METHOD path" when the document has none: how the panel says which
// operation an older daemon lacks.
func OperationOf(method, escapedPath string) string {
	if spec, err := daemonSpec(); err == nil {
		if op, _, err := spec.Match(method, escapedPath); err == nil {
			return op.ID
		}
	}
	return method + " " + escapedPath
}
