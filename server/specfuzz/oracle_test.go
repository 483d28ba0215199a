package specfuzz

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/routers"
)

// Growth bounds after the whole run, measured against the state before it: the keep-alive
// connections of the validating transports and the panel's caches may hold a few goroutines and
// some heap, a leak per request (thousands of requests) exceeds both.
const (
	maxGoroutineGrowth = 40
	maxHeapGrowth      = 64 << 20
)

// semanticFields are request fields whose value can be spec-valid yet refused by the panel for
// a reason the schema cannot state: a template or node that does not exist, variables the
// template does not declare, a port in use, a path the server's files do not hold, the password
// policy (letters and digits), an environment the node has no runtime for, an address that
// kin-openapi's loose `format: email` pattern accepts but RFC 5322 (net/mail) does not, a body
// `identifier` that differs from the path's server id (a cross-field rule the spec states), an SSH
// `publicKey` that does not parse or is too weak, an SFTP `remoteIp` that is not an address, an
// `eggId` no imported egg has (or naming another template than `template`). A 400 naming
// one of them on a spec-valid request is legitimate; a 400 naming any other field is a failure.
var semanticFields = map[string]bool{
	"template": true, "variables": true, "node": true, "nodeId": true, "port": true,
	"path": true, "backupId": true, "databaseId": true, "host": true, "password": true,
	"environmentType": true, "email": true, "identifier": true, "publicKey": true, "remoteIp": true,
	"eggId": true,
}

// semantic400 reports whether a 400/415 on a spec-valid request is a documented semantic
// refusal rather than the panel contradicting its own spec.
func semantic400(route *routers.Route, code, field string) bool {
	if code == "" && strings.HasPrefix(route.Path, "/oauth2/") {
		// RFC 6749/7662 protocol errors: client credentials may come in the Authorization header
		// or the form, which the schema cannot express.
		return true
	}
	if code != "ErrFieldInvalid" && code != "ErrFieldRequired" {
		// Another code (ErrInvalidState, ErrConflict, ...) on a 400 is a state-dependent refusal.
		return code != "ErrUnsupportedMediaType" && code != ""
	}
	if strings.HasPrefix(route.Path, "/api/templates") {
		// a template body is checked by the template format's own rules (placeholders that
		// name variables, install steps' required fields per type, variable defaults of their
		// type, bounds and pattern, ready patterns that compile, config files' relative paths
		// and keys, a mount only in docker-only templates), as the built-ins are; an import is
		// checked by the source format's rules: documented as "400 naming the field"
		return true
	}
	// a nested field ("variables.port": a value outside the template variable's min/max or
	// not matching its pattern, a hidden or unknown variable) is semantic when its top-level
	// field is
	return semanticFields[topField(field)]
}

// topField is the first part of a field path: "variables" of "variables.port" or
// "variables[2].rules".
func topField(field string) string {
	if i := strings.IndexAny(field, ".["); i > 0 {
		return field[:i]
	}
	return field
}

// checkGrowth fails when goroutines or the live heap grew past the bounds during the run. The
// goroutine count is sampled after idle connections are closed; no timing is asserted.
func checkGrowth(t *testing.T, goroutines0 int, heap0 uint64) {
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	goroutines, heap := snapshot()
	// Server-side connection goroutines end shortly after their client closed: re-sample a
	// bounded number of times until the count settles (a leak never settles).
	for i := 0; i < 50 && goroutines-goroutines0 > maxGoroutineGrowth; i++ {
		time.Sleep(20 * time.Millisecond)
		goroutines, heap = snapshot()
	}
	t.Logf("goroutines %d -> %d, heap %d KiB -> %d KiB", goroutines0, goroutines, heap0>>10, heap>>10)
	if goroutines-goroutines0 > maxGoroutineGrowth {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Errorf("goroutines grew from %d to %d:\n%s", goroutines0, goroutines, buf[:n])
	}
	if heap > heap0 && heap-heap0 > maxHeapGrowth {
		t.Errorf("live heap grew from %d KiB to %d KiB", heap0>>10, heap>>10)
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// TestSemantic400Nested: the oracle accepts a 400 on a nested field of a semantic one (a
// variable's bounds or pattern, issue 15) and on any template field, and still fails others.
func TestSemantic400Nested(t *testing.T) {
	servers := &routers.Route{Path: "/api/servers/{serverId}"}
	tpls := &routers.Route{Path: "/api/templates/import"}
	cases := []struct {
		route       *routers.Route
		code, field string
		want        bool
	}{
		{servers, "ErrFieldInvalid", "variables.players", true},
		{servers, "ErrFieldInvalid", "variables", true},
		{servers, "ErrFieldRequired", "variables.tag", true},
		{servers, "ErrFieldInvalid", "name", false},
		{servers, "ErrFieldInvalid", "limits.memory", false},
		{servers, "ErrFieldInvalid", "variablesX", false},
		{tpls, "ErrFieldInvalid", "variables[2].rules", true},
		{tpls, "ErrFieldInvalid", "configFiles[0].set[2].key", true},
	}
	for _, c := range cases {
		if got := semantic400(c.route, c.code, c.field); got != c.want {
			t.Errorf("semantic400(%s, %s, %s) = %v, want %v", c.route.Path, c.code, c.field, got, c.want)
		}
	}
}
