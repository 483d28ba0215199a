package multinode

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/e2e/multinode/netlab"
)

// waitTimeout bounds every wait of the tests; reaching it is a failure, never a measurement.
const waitTimeout = 60 * time.Second

// unavailableBound is the bound on a dead node's 503, expressed as a request deadline.
const unavailableBound = 3 * time.Second

// suite is what every test of the run shares; TestMain fills it.
var suite struct {
	bin      string // the skypanel binary built for this run
	noLab    string // why the tests skip ("" = they run)
	noDaemon string // why the tests needing `skypanel daemon` skip
	sock     string // containerd socket ("" = docker servers are not used)
	image    string // the busybox test image (SKYPANEL_TEST_IMAGE)
	noDocker string // why servers are standard ones
}

func TestMain(m *testing.M) {
	if url := os.Getenv(getEnv); url != "" { // httpFrom's child, inside a node's namespace
		os.Exit(httpGet(url))
	}
	if addr := os.Getenv(serveEnv); addr != "" { // serveIn's child, inside a node's namespace
		os.Exit(httpServe(addr))
	}
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if err := netlab.Check(); err != nil {
		suite.noLab = err.Error()
		return m.Run()
	}
	if swept, err := netlab.Sweep(); err != nil || len(swept) > 0 {
		fmt.Fprintf(os.Stderr, "multinode: swept namespaces of dead test runs %v (%v)\n", swept, err)
	}
	dir, err := os.MkdirTemp("", "skypanel-multinode-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "multinode:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	suite.bin = filepath.Join(dir, "skypanel")
	if bin := os.Getenv("SKYPANEL_MULTINODE_BIN"); bin != "" {
		suite.bin = bin // a binary built elsewhere (development of the tests)
	} else {
		build := exec.Command("go", "build", "-o", suite.bin, "./cmd/skypanel")
		build.Dir = "../.." // the module root
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "multinode: go build ./cmd/skypanel: %v\n%s", err, out)
			return 1
		}
	}
	if out, err := exec.Command(suite.bin, "daemon", "--help").CombinedOutput(); err != nil || !strings.Contains(string(out), "--panel") {
		suite.noDaemon = "this build has no `skypanel daemon` command yet"
	}
	suite.sock, suite.image = os.Getenv("SKYPANEL_TEST_CONTAINERD"), os.Getenv("SKYPANEL_TEST_IMAGE")
	if suite.sock == "" || suite.image == "" {
		suite.sock = ""
		suite.noDocker = `SKYPANEL_TEST_CONTAINERD and SKYPANEL_TEST_IMAGE are not set (eval "$(scripts/containerd-test-env.sh DIR)")`
	}
	return m.Run()
}

// requireLab skips t when labs cannot be built here.
func requireLab(t *testing.T) {
	t.Helper()
	if suite.noLab != "" {
		t.Skip(suite.noLab)
	}
}

// requireDaemon skips t when the lab or the daemon command is missing.
func requireDaemon(t *testing.T) {
	t.Helper()
	requireLab(t)
	if suite.noDaemon != "" {
		t.Skip(suite.noDaemon)
	}
}

// randomID returns n random lower-case letters and digits.
func randomID(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

func randomInt(n int) int { return rand.IntN(n) }
