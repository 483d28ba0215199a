package install

import (
	"slices"
	"testing"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/templates"
)

// TestMountRootsAgree: a template is refused when it is stored for exactly the mounts the
// container runtime would refuse at install (templates may not import runtime, so the two
// lists are kept equal here).
func TestMountRootsAgree(t *testing.T) {
	if !slices.Equal(templates.MountRoots, runtime.MountRoots) {
		t.Fatalf("templates.MountRoots %q != runtime.MountRoots %q", templates.MountRoots, runtime.MountRoots)
	}
}
