package backup

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The kill tests run a backup or a restore in a child process (this test binary, re-executed
// in helper mode), SIGKILL it at a chosen point, then start a new Manager on the same folders
// as a restarted node would.

const helperEnv = "SKYPANEL_BACKUP_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helper(mode))
	}
	os.Exit(m.Run())
}

// helper runs in the child: it backs up or restores and, at the event named by
// SKYPANEL_KILL_AT, prints READY and waits to be killed.
func helper(mode string) int {
	m, err := New(Options{Dir: os.Getenv("H_DIR"), VolumesDir: os.Getenv("H_VOLS")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	at := os.Getenv("SKYPANEL_KILL_AT")
	m.testHook = func(event string) {
		if event == at {
			fmt.Println("READY")
			time.Sleep(time.Hour)
		}
	}
	switch mode {
	case "backup":
		if _, err = m.Create("srv", os.Getenv("H_VOL"), CreateOptions{Max: 5}); err == nil {
			err = m.Wait(context.Background(), "srv")
		}
	case "restore":
		err = m.Restore(context.Background(), "srv", os.Getenv("H_ID"), os.Getenv("H_VOL"), RestoreOptions{})
	}
	fmt.Println("FINISHED without reaching", at, err)
	return 1
}

// killAt runs the helper until it reports the event, then SIGKILLs it.
func killAt(t *testing.T, n node, mode, event, id string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, "SKYPANEL_KILL_AT="+event,
		"H_DIR="+n.dir, "H_VOLS="+n.vols, "H_VOL="+n.vol, "H_ID="+id)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if strings.TrimSpace(line) != "READY" {
		t.Fatalf("helper did not reach %s: %q", event, line)
	}
}

func TestKillMidBackup(t *testing.T) {
	n := newNode(t)
	fill(t, n.vol, "a")
	before := treeHash(t, n.vol)
	killAt(t, n, "backup", "entry:world/level.dat", "")

	m := n.manager(t, nil) // the restarted node
	list, err := m.List("srv")
	if err != nil || len(list) != 1 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if in := list[0]; in.State != StateFailed || !strings.Contains(in.Reason, "interrupted") || in.SHA256 != "" {
		t.Fatalf("killed backup = %+v; want failed (interrupted)", in)
	}
	if _, err := os.Stat(m.partPath("srv", list[0].ID)); !os.IsNotExist(err) {
		t.Fatalf("partial archive left: %v", err)
	}
	if got := treeHash(t, n.vol); got != before {
		t.Fatal("the server's files changed")
	}
	createDone(t, m, n.vol, 5) // the failed one does not count or block
}

func TestKillMidRestore(t *testing.T) {
	tests := []struct {
		event    string
		restored bool // the volume holds the backup afterwards (else the files from before)
	}{
		{"extracted:world/level.dat", false},
		{"before-swap", false},
		{"after-swap", true},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			n := newNode(t)
			fill(t, n.vol, "a")
			m := n.manager(t, nil)
			in := createDone(t, m, n.vol, 5)
			backedUp := treeHash(t, n.vol)
			m.Close()
			fill(t, n.vol+"/new", "b")
			if err := os.WriteFile(n.vol+"/world/level.dat", []byte("modified"), 0o644); err != nil {
				t.Fatal(err)
			}
			modified := treeHash(t, n.vol)

			killAt(t, n, "restore", tt.event, in.ID)
			m = n.manager(t, nil) // the restarted node cleans up
			want := modified
			if tt.restored {
				want = backedUp
			}
			if got := treeHash(t, n.vol); got != want {
				t.Fatalf("files after the kill:\n%s\nwant:\n%s", got, want)
			}
			assertNoStaging(t, n.vols)
			if got, err := m.Get("srv", in.ID); err != nil || got.State != StateDone {
				t.Fatalf("backup after the kill = %+v, %v", got, err)
			}
		})
	}
}

// TestRecoverFallbackSwap: the two-rename fallback killed between its renames leaves no
// volume and the old content in <stage>.old; the next New puts it back.
func TestRecoverFallbackSwap(t *testing.T) {
	n := newNode(t)
	fill(t, n.vol, "a")
	want := treeHash(t, n.vol)
	old := n.vols + "/" + stagePrefix + "srv-0123456789abcdef" + oldSuffix
	stage := n.vols + "/" + stagePrefix + "srv-0123456789abcdef"
	if err := os.Rename(n.vol, old); err != nil {
		t.Fatal(err)
	}
	fill(t, stage, "half-extracted")
	n.manager(t, nil)
	if got := treeHash(t, n.vol); got != want {
		t.Fatalf("volume not put back:\n%s", got)
	}
	assertNoStaging(t, n.vols)
}
