package containerd

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain supports SKYPANEL_TEST_CONTAINERD=auto: as root, with containerd, runc and
// busybox-static installed, it starts a private containerd (scripts/containerd-test-env.sh),
// imports the test image, runs the tests against it and stops it afterwards. Any other value is
// used as the socket address as is; unset, the integration tests skip.
func TestMain(m *testing.M) {
	if os.Getenv(envAddress) != "auto" {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "skypanel-containerd-")
	if err == nil {
		err = autoEnv(dir)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "SKYPANEL_TEST_CONTAINERD=auto: %v; containerd tests skip\n", err)
		os.Setenv(envAddress, "")
		os.Exit(m.Run())
	}
	code := m.Run()
	stop := exec.Command(filepath.Join(scriptsDir(), "containerd-stop.sh"), dir, "--purge")
	stop.Stdout, stop.Stderr = os.Stderr, os.Stderr
	if err := stop.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "stop containerd: %v\n", err)
	}
	os.Exit(code)
}

// autoEnv starts containerd in dir and sets the test environment from the script's exports.
func autoEnv(dir string) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("needs root")
	}
	var out bytes.Buffer
	cmd := exec.Command(filepath.Join(scriptsDir(), "containerd-test-env.sh"), dir)
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("containerd-test-env.sh: %w", err)
	}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		kv, ok := strings.CutPrefix(sc.Text(), "export ")
		if !ok {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, strings.Trim(v, "'"))
	}
	return nil
}

// scriptsDir is the repository's scripts folder (tests run in the package folder).
func scriptsDir() string {
	wd, _ := os.Getwd()
	return filepath.Join(wd, "..", "..", "scripts")
}
