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
// step mounts the folder at /mnt/server in the script's container, the script (CRLF → LF
// only) reaches its entrypoint as a file, keeps its own error handling (a failing line does
// not stop it, as in the egg) and its exit status is the step's.
func TestInstallScriptRuns(t *testing.T) {
	for _, tt := range []struct {
		script string
		ok     bool
	}{
		{"echo one > out.txt\r\nfalse\r\necho \"$GREETING\" '$GREETING' >> out.txt\r\n", true},
		{"echo one > out.txt\nexit 3\n", false},
		// a command reading stdin does not eat the script (as it would if the script were fed on stdin)
		{"read line || true\necho one > out.txt\necho \"$GREETING\" '$GREETING' >> out.txt", true},
	} {
		raw := mutate(t, "paper", func(e egg) {
			install(e)["entrypoint"] = "sh"
			install(e)["script"] = tt.script
		})
		tpl, _, err := Convert(raw)
		if err != nil {
			t.Fatal(err)
		}
		if len(tpl.Install) != 1 || tpl.Install[0].Mount != serverMount || tpl.InstallImage != "ghcr.io/pterodactyl/installers:alpine" {
			t.Fatalf("install %+v in %q, want one step mounting %s", tpl.Install, tpl.InstallImage, serverMount)
		}
		entrypoint, script, ok := parseInstallCommand(tpl.Install[0].Commands[0])
		want := strings.ReplaceAll(tt.script, "\r\n", "\n")
		if !strings.HasSuffix(want, "\n") { // the one normalisation: the script ends with a newline
			want += "\n"
		}
		if !ok || entrypoint != "sh" || script != want {
			t.Errorf("the step holds %q run by %q (%v), want %q", script, entrypoint, ok, want)
		}
		dir := t.TempDir()
		cmd := exec.Command("/bin/sh", "-c", "set -e\n"+strings.Join(tpl.Install[0].Commands, "\n"))
		cmd.Dir, cmd.Env = dir, []string{"GREETING=hello", "PATH=/usr/bin:/bin", "TMPDIR=" + t.TempDir()}
		out, err := cmd.CombinedOutput()
		if (err == nil) != tt.ok {
			t.Fatalf("script %q: err %v, want ok=%v (%s)", tt.script, err, tt.ok, out)
		}
		got, rerr := os.ReadFile(filepath.Join(dir, "out.txt"))
		wantOut := "one\n"
		if tt.ok {
			wantOut = "one\nhello $GREETING\n"
		}
		if rerr != nil || string(got) != wantOut {
			t.Errorf("out.txt = %q (%v), want %q", got, rerr, wantOut)
		}
	}
}
