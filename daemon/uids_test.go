package daemon

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/skypanel/skypanel/runtime"
)

func TestParseUIDRange(t *testing.T) {
	good := map[string]UIDRange{"200000-299999": DefaultUIDRange, "5-5": {5, 5}, " 7 - 9 ": {7, 9}}
	for in, want := range good {
		if got, err := ParseUIDRange(in); err != nil || got != want {
			t.Errorf("ParseUIDRange(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "200000", "0-10", "10-5", "a-b", "1-4294967295", "-5"} {
		if _, err := ParseUIDRange(in); !errors.Is(err, ErrInvalidDefinition) {
			t.Errorf("ParseUIDRange(%q) = %v, want ErrInvalidDefinition", in, err)
		}
	}
}

// uidManager returns a manager giving standard servers uids from rng, with volumes outside the
// data folder.
func uidManager(t *testing.T, rt *fakeRT, rng UIDRange) *Manager {
	t.Helper()
	vols := filepath.Join(t.TempDir(), "volumes")
	return newTestManager(t, rt, func(o *Options) { o.StandardUIDs, o.VolumesDir = rng, vols })
}

// TestUIDAllocation: each standard server gets the uid after the highest in use, the runtime
// spec carries it, a request cannot choose it, an update keeps it, and a full range refuses.
func TestUIDAllocation(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (volumes are given to the allocated uids)")
	}
	rt := newFakeRT(runtime.EnvStandard)
	m := uidManager(t, rt, UIDRange{First: 1_950_000, Last: 1_950_002})
	ctx := context.Background()
	forged := testDef("a", "run")
	forged.UID = 4242 // ignored
	mustCreate(t, m, forged)
	mustCreate(t, m, testDef("b", "run"))
	want := map[string]uint32{"a": 1_950_000, "b": 1_950_001}
	for id, uid := range want {
		def, err := m.Get(id)
		if err != nil || def.UID != uid {
			t.Fatalf("%s: uid %d (%v), want %d", id, def.UID, err, uid)
		}
		inst, err := rt.inst(id)
		if err != nil || inst.spec.User == nil || *inst.spec.User != (runtime.User{UID: uid, GID: uid}) {
			t.Fatalf("%s: runtime spec user %+v (%v), want %d:%d", id, inst.spec.User, err, uid, uid)
		}
		checkOwner(t, m.st.volumeDir(id), uid, volumePerm)
	}
	if err := m.Create(ctx, testDef("a", "run")); err != nil { // retried identical create
		t.Fatalf("retried create: %v", err)
	}
	upd := testDef("a", "run2")
	_, err := m.Update(ctx, upd)
	must(t, err)
	if def, _ := m.Get("a"); def.UID != want["a"] {
		t.Fatalf("uid after update %d, want %d", def.UID, want["a"])
	}
	must(t, m.Delete(ctx, "a"))
	mustCreate(t, m, testDef("c", "run")) // after the highest, not a's freed uid
	if def, _ := m.Get("c"); def.UID != 1_950_002 {
		t.Fatalf("c: uid %d, want 1950002", def.UID)
	}
	mustCreate(t, m, testDef("d", "run")) // wraps around to the free one
	if def, _ := m.Get("d"); def.UID != 1_950_000 {
		t.Fatalf("d: uid %d, want 1950000 (freed by a)", def.UID)
	}
	err = m.Create(ctx, testDef("e", "run"))
	if !errors.Is(err, ErrNoUID) || !errors.Is(err, ErrInvalidState) {
		t.Fatalf("create in a full range = %v, want ErrNoUID", err)
	}
	if _, err := os.Stat(m.st.serverDir("e")); !os.IsNotExist(err) {
		t.Fatalf("a refused create left %s (%v)", m.st.serverDir("e"), err)
	}
}

// TestUIDMigration: a standard server created without its own uid gets one at the next load,
// and its files are given to it.
func TestUIDMigration(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (chown)")
	}
	rt := newFakeRT(runtime.EnvStandard)
	dir, vols := t.TempDir(), filepath.Join(t.TempDir(), "volumes")
	opts := testOptions(t, dir, rt)
	opts.VolumesDir = vols
	m1, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, m1, testDef("old", "run"))
	file := filepath.Join(m1.st.volumeDir("old"), "world.dat")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	m1.Close()
	opts.StandardUIDs = UIDRange{First: 1_960_000, Last: 1_960_010}
	m2, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m2.Close)
	must(t, m2.Load(context.Background()))
	def, err := m2.Get("old")
	if err != nil || def.UID != 1_960_000 {
		t.Fatalf("uid %d (%v) after load, want 1960000", def.UID, err)
	}
	checkOwner(t, m2.st.volumeDir("old"), def.UID, volumePerm)
	checkOwner(t, file, def.UID, 0o600)
	if d, err := m2.st.readDefinition("old"); err != nil || d.UID != def.UID {
		t.Fatalf("definition.json uid %d (%v), want %d", d.UID, err, def.UID)
	}
}

func checkOwner(t *testing.T, path string, uid uint32, perm os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != uid || st.Gid != uid || fi.Mode().Perm() != perm {
		t.Fatalf("%s: %d:%d %v, want %d:%d %v", path, st.Uid, st.Gid, fi.Mode().Perm(), uid, uid, perm)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestUIDSkipsAccounts: a uid of the range that belongs to an account of the machine (nobody,
// 65534) is never given to a server.
func TestUIDSkipsAccounts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (chown)")
	}
	if !isAccount(65534) || isAccount(65535) {
		t.Skip("needs uid 65534 to be an account (nobody) and 65535 not")
	}
	rt := newFakeRT(runtime.EnvStandard)
	m := uidManager(t, rt, UIDRange{First: 65534, Last: 65535})
	mustCreate(t, m, testDef("a", "run"))
	if def, _ := m.Get("a"); def.UID != 65535 {
		t.Fatalf("uid %d, want 65535 (65534 is nobody's)", def.UID)
	}
	if err := m.Create(context.Background(), testDef("b", "run")); !errors.Is(err, ErrNoUID) {
		t.Fatalf("second create = %v, want ErrNoUID (the only other uid is an account's)", err)
	}
}
