package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// units are the systemd units in packaging/systemd and the subcommand each one runs.
var units = []struct{ file, sub string }{
	{"skypanel.service", "serve"},
	{"skypanel-daemon.service", "daemon"},
}

const unitBinary = "/usr/local/bin/skypanel"

// execStart returns the words of the unit's ExecStart= line (one line, no continuation).
func execStart(t *testing.T, unit string) []string {
	t.Helper()
	for line := range strings.Lines(unit) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "ExecStart="); ok {
			return strings.Fields(v)
		}
	}
	t.Fatal("no ExecStart= line")
	return nil
}

// TestSystemdUnits: each unit in packaging/systemd runs the binary's subcommand with flags that
// subcommand has (its --help, from the real binary), keeps KillMode=process and
// Restart=on-failure, and passes `systemd-analyze verify` without a single warning (skipped
// where systemd-analyze is not installed). The ExecStart path is pointed at the freshly built
// binary, since verify refuses a command that is not executable.
func TestSystemdUnits(t *testing.T) {
	bin := buildBinary(t)
	analyze, analyzeErr := exec.LookPath("systemd-analyze")
	flagRe := regexp.MustCompile(`^--[a-z0-9-]+`)
	for _, u := range units {
		t.Run(u.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "..", "packaging", "systemd", u.file))
			if err != nil {
				t.Fatal(err)
			}
			unit := string(raw)
			words := execStart(t, unit)
			if len(words) < 2 || words[0] != unitBinary || words[1] != u.sub {
				t.Fatalf("ExecStart = %q, want %s %s …", words, unitBinary, u.sub)
			}
			help, err := exec.Command(bin, u.sub, "--help").CombinedOutput()
			if err != nil {
				t.Fatalf("%s --help: %v\n%s", u.sub, err, help)
			}
			for _, w := range words[2:] {
				if f := flagRe.FindString(w); f != "" && !strings.Contains(string(help), "  "+f+" ") {
					t.Errorf("ExecStart flag %s is not in `skypanel %s --help`", f, u.sub)
				}
			}
			for _, want := range []string{"\nKillMode=process\n", "\nRestart=on-failure\n", "\nStateDirectory="} {
				if !strings.Contains(unit, want) {
					t.Errorf("unit lacks %q", strings.TrimSpace(want))
				}
			}
			if analyzeErr != nil {
				t.Skip("systemd-analyze not installed: unit syntax not verified")
			}
			path := filepath.Join(t.TempDir(), u.file)
			if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, unitBinary, bin)), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(analyze, "verify", path).CombinedOutput()
			if err != nil || len(strings.TrimSpace(string(out))) > 0 {
				t.Errorf("systemd-analyze verify %s: %v\n%s", u.file, err, out)
			}
		})
	}
}
