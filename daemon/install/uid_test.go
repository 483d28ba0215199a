package install

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/host"
)

// TestCommandRunsAsServerUID: the command steps of a standard server with its own uid run as
// that uid, and what they write in its 0700 folder is the server's.
func TestCommandRunsAsServerUID(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (per-server uids)")
	}
	const uid = 1_990_123
	hr, err := host.New(host.Options{StateDir: openDir(t), CgroupParent: host.NoCgroups, Logger: logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(openDir(t), "vol")
	must(t, os.Mkdir(dir, 0o700))
	must(t, os.Chown(dir, uid, uid))
	def := definition(t, runtime.EnvStandard, nil, Step{Type: "command", Commands: []string{"id -u > whoami"}})
	def.UID = uid
	var out console
	in := New(Config{}, map[string]runtime.Runtime{runtime.EnvStandard: hr}, logger(t))
	if err := in.Run(context.Background(), def, dir, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "whoami"))
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(uid) {
		t.Fatalf("the install command ran as %q (%v), want %d", b, err, uid)
	}
	expectOwned(t, dir, uid)
}
