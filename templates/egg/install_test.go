package egg

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstallScriptRuns runs the converted command step the way the node's installer does
// (sh -c with "set -e" first, in the server folder, variables in the environment): the
// script reaches its entrypoint unchanged, keeps its own error handling (a failing line does
// not stop it, as in the egg) and its exit status is the step's.
func TestInstallScriptRuns(t *testing.T) {
	for _, tt := range []struct {
		script string
		ok     bool
	}{
		{"echo one > out.txt\r\nfalse\r\necho \"$GREETING\" '$GREETING' >> out.txt\r\n", true},
		{"echo one > out.txt\nexit 3\n", false},
	} {
		raw := mutate(t, "paper", func(e egg) {
			install(e)["entrypoint"] = "sh"
			install(e)["script"] = tt.script
		})
		tpl, _, err := Convert(raw)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		cmd := exec.Command("/bin/sh", "-c", "set -e\n"+strings.Join(tpl.Install[0].Commands, "\n"))
		cmd.Dir, cmd.Env = dir, []string{"GREETING=hello", "PATH=/usr/bin:/bin"}
		out, err := cmd.CombinedOutput()
		if (err == nil) != tt.ok {
			t.Fatalf("script %q: err %v, want ok=%v (%s)", tt.script, err, tt.ok, out)
		}
		got, rerr := os.ReadFile(filepath.Join(dir, "out.txt"))
		want := "one\n"
		if tt.ok {
			want = "one\nhello $GREETING\n"
		}
		if rerr != nil || string(got) != want {
			t.Errorf("out.txt = %q (%v), want %q", got, rerr, want)
		}
	}
}
