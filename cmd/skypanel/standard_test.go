package main

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/host"
)

// TestResolveStandard: the volumes folder and uid range serve picks for root and non-root
// nodes, and for installs whose servers live in <data>/node/volumes.
func TestResolveStandard(t *testing.T) {
	withServers := filepath.Join(t.TempDir(), "node")
	if err := os.MkdirAll(filepath.Join(withServers, "volumes", "OLD00001"), 0o700); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(t.TempDir(), "node")
	explicit := filepath.Join(t.TempDir(), "vols")
	opts := standardOptions{mode: "admin", uidRange: "200000-299999"}
	cases := []struct {
		name    string
		nodeDir string
		volumes string
		root    bool
		want    string
		legacy  bool
		uids    daemon.UIDRange
	}{
		{"root, fresh", fresh, "", true, DefaultVolumes, false, daemon.DefaultUIDRange},
		{"root, old servers", withServers, "", true, filepath.Join(withServers, "volumes"), true, daemon.DefaultUIDRange},
		{"root, --volumes", withServers, explicit, true, explicit, false, daemon.DefaultUIDRange},
		{"not root", fresh, "", false, filepath.Join(fresh, "volumes"), false, daemon.UIDRange{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := opts
			o.volumes = c.volumes
			got, err := resolveStandard(slog.New(slog.DiscardHandler), c.nodeDir, o, c.root)
			if err != nil {
				t.Fatal(err)
			}
			if got.volumes != c.want || got.legacy != c.legacy || got.uids != c.uids || got.mode != host.ModeAdmin {
				t.Fatalf("got %+v, want volumes %s legacy %v uids %v", got, c.want, c.legacy, c.uids)
			}
		})
	}
	for _, bad := range []standardOptions{{mode: "on", uidRange: "1-2"}, {mode: "off", uidRange: "2-1"}} {
		_, err := resolveStandard(slog.New(slog.DiscardHandler), fresh, bad, true)
		if !errors.Is(err, runtime.ErrInvalidSpec) && !errors.Is(err, daemon.ErrInvalidDefinition) {
			t.Errorf("resolveStandard(%+v) = %v, want an invalid-value error", bad, err)
		}
	}
}

// TestPrepareNodeDirs: volumes outside the data folder leave the node folder 0700 and make the
// created volumes path 0711; volumes inside keep the old traversable layout.
func TestPrepareNodeDirs(t *testing.T) {
	base := t.TempDir()
	data := filepath.Join(base, "data")
	nodeDir := filepath.Join(data, "node")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	vols := filepath.Join(base, "var", "lib", "volumes")
	if err := prepareNodeDirs(data, nodeDir, vols); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{data: 0o700, nodeDir: 0o700, vols: 0o711,
		filepath.Dir(vols): 0o711, filepath.Join(base, "var"): 0o711} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v (%v), want %v", path, fi.Mode().Perm(), err, want)
		}
	}
	if err := prepareNodeDirs(data, nodeDir, filepath.Join(nodeDir, "volumes")); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{data, nodeDir, filepath.Join(nodeDir, "volumes")} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o711 {
			t.Errorf("%s: %v (%v), want 0711 (volumes inside the data folder)", path, fi.Mode().Perm(), err)
		}
	}
}

func TestSubidOverlap(t *testing.T) {
	f := filepath.Join(t.TempDir(), "subuid")
	if err := os.WriteFile(f, []byte("alice:100000:65536\nbob:231072:65536\n# junk\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for rng, want := range map[daemon.UIDRange]string{
		daemon.DefaultUIDRange: "bob", {First: 165535, Last: 165536}: "alice",
		{First: 165536, Last: 231071}: "", {First: 400000, Last: 500000}: "",
	} {
		if got := subidOverlap(f, rng); got != want {
			t.Errorf("subidOverlap(%v) = %q, want %q", rng, got, want)
		}
	}
}
