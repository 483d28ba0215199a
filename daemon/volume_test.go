package daemon

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/skypanel/skypanel/runtime"
)

// TestCreateRefusesForeignVolume: files already in the volume folder of a new id (another
// install sharing the volumes folder) are never handed to the new server.
func TestCreateRefusesForeignVolume(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := uidManager(t, rt, UIDRange{})
	foreign := filepath.Join(m.st.volumeDir("x"), "world.dat")
	must(t, os.MkdirAll(filepath.Dir(foreign), 0o700))
	must(t, os.WriteFile(foreign, []byte("theirs"), 0o600))
	err := m.Create(context.Background(), testDef("x", "run"))
	if !errors.Is(err, ErrExists) {
		t.Fatalf("create over foreign files = %v, want ErrExists", err)
	}
	if b, err := os.ReadFile(foreign); err != nil || string(b) != "theirs" {
		t.Fatalf("foreign file now %q (%v)", b, err)
	}
	if _, err := os.Stat(m.st.serverDir("x")); !os.IsNotExist(err) {
		t.Fatalf("a refused create left %s", m.st.serverDir("x"))
	}
	must(t, os.Remove(foreign)) // an empty leftover folder is reused
	mustCreate(t, m, testDef("x", "run"))
}
