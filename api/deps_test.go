package api

import (
	"os/exec"
	"strings"
	"testing"
)

// allowedModules are the only modules the published client may link (with the standard
// library): what a client needs, never the panel's engines (gin, ent, containerd, fosite, …).
var allowedModules = []string{
	"github.com/skypanel/skypanel/api",
	"github.com/oapi-codegen/runtime",
	"github.com/oapi-codegen/nullable",
	"github.com/apapsch/go-jsonmerge/v2",
	"github.com/google/uuid",
	"golang.org/x/oauth2",
	"github.com/coder/websocket",
}

// TestDependencies: `go list -deps` of the package names no module outside allowedModules.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	pkgs := strings.Fields(string(out))
	if len(pkgs) == 0 {
		t.Fatal("go list -deps listed nothing")
	}
	for _, p := range pkgs {
		ok := false
		for _, m := range allowedModules {
			if p == m || strings.HasPrefix(p, m+"/") {
				ok = true
			}
		}
		if !ok {
			t.Errorf("the api package links %s, outside the client's allowed modules", p)
		}
	}
}
