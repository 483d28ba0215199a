package apispec

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoPanelDependencies: the daemon reuses apispec, so it must not link gin or the panel.
func TestNoPanelDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/skypanel/skypanel/apispec").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbidden := []string{
		"entgo.io/", "github.com/ory/fosite", "github.com/gin-gonic/",
		"github.com/skypanel/skypanel/server", "github.com/skypanel/skypanel/ent",
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 {
		t.Fatal("go list returned no packages")
	}
	for _, dep := range deps {
		for _, f := range forbidden {
			if dep == f || strings.HasPrefix(dep, f) {
				t.Errorf("apispec depends on %s", dep)
			}
		}
	}
}
