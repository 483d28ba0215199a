package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

// gitOut runs git in the repository and returns its trimmed output; the test is skipped
// when git or the repository is not there (a source tarball).
func gitOut(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", "../.."}, args...)...).Output()
	if err != nil {
		t.Skipf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// buildAndRun builds cmd/skypanel with the given command (make or go build) into a temp
// folder and returns what `skypanel version` prints.
func buildAndRun(t *testing.T, bin string, build *exec.Cmd) string {
	t.Helper()
	// a clean environment for the child make: no variables inherited from an outer `make test`
	build.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "MAKEFLAGS=") || strings.HasPrefix(kv, "MFLAGS=") || strings.HasPrefix(kv, "MAKELEVEL=")
	}), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(build.Args, " "), err, out)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s version: %v\n%s", bin, err, out)
	}
	return string(out)
}

// TestVersionFromMakefile builds the real binary with `make build` and checks that
// `skypanel version` prints what git says: the describe string and the full commit.
func TestVersionFromMakefile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not installed")
	}
	head := gitOut(t, "rev-parse", "HEAD")
	describe := gitOut(t, "describe", "--tags", "--always", "--dirty")
	bin := filepath.Join(t.TempDir(), "skypanel")
	out := buildAndRun(t, bin, exec.Command("make", "-C", "../..", "build", "BIN="+bin))
	want := "skypanel " + describe + " (commit " + head + ", API v1)\n"
	if out != want {
		t.Errorf("version printed %q, want %q", out, want)
	}
}

// TestVersionFromPlainBuild builds without the Makefile: the binary names the commit Go
// stamped into it (`go version -m`: vcs.revision; none when the checkout is a git worktree or
// -buildvcs=false) or says "unknown", and never claims "dev".
func TestVersionFromPlainBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "skypanel")
	out := buildAndRun(t, bin, exec.Command("go", "build", "-o", bin, "."))
	meta, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	ver, rev := "unknown", "unknown"
	for _, line := range strings.Split(string(meta), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "build\tvcs.revision="); ok {
			ver, rev = v[:12], v
		}
	}
	t.Logf("stamped revision: %s", rev)
	if !strings.HasPrefix(out, "skypanel "+ver) || !strings.Contains(out, "(commit "+rev+", API v1)") {
		t.Errorf("version printed %q, want version %s… and commit %s", out, ver, rev)
	}
}

// TestBuildVersion covers the fallbacks of buildVersion on hand-made build information.
func TestBuildVersion(t *testing.T) {
	rev := "0123456789abcdef0123456789abcdef01234567"
	stamp := func(modified string) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}}
	}
	cases := []struct {
		name, ldVer, ldCommit string
		info                  *debug.BuildInfo
		ok                    bool
		ver, commit           string
	}{
		{"ldflags win", "v1.2.3-4-gabc", "abc", stamp("false"), true, "v1.2.3-4-gabc", "abc"},
		{"vcs stamp", "", "", stamp("false"), true, "0123456789ab", rev},
		{"vcs stamp dirty", "", "", stamp("true"), true, "0123456789ab-dirty", rev},
		{"module version", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, true, "v1.4.0", "unknown"},
		{"nothing known", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true, "unknown", "unknown"},
		{"no build info", "", "", nil, false, "unknown", "unknown"},
	}
	defer func(v, c string) { version, commit = v, c }(version, commit)
	for _, c := range cases {
		version, commit = c.ldVer, c.ldCommit
		if ver, rev := buildVersion(c.info, c.ok); ver != c.ver || rev != c.commit {
			t.Errorf("%s: got (%q, %q), want (%q, %q)", c.name, ver, rev, c.ver, c.commit)
		}
	}
}
