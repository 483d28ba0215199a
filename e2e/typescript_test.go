package e2e

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/api"
)

// tsDir holds the TypeScript SDK and its node:test suite (relative to the module root).
const tsDir = "sdk/typescript"

// TestTypeScriptSDK builds the TypeScript SDK (tsc, from its committed sources) and runs its
// node:test suite against a live panel (a fresh data folder, standard servers) behind a proxy
// that validates every response the SDK gets against openapi.yaml: client-credentials token,
// typed 404, create, list with a wildcard filter across pages, start, console over the
// WebSocket, file upload and download; a second panel with a tiny rate limit for the 429
// handling (Retry-After); plus the suite's own unit tests (retry, token cache) and
// `npm pack --dry-run`. No test of the suite may skip. Skips only when node or npm is not
// installed (scripts/install-deps.sh installs them, so CI never skips).
func TestTypeScriptSDK(t *testing.T) {
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install nodejs npm): the TypeScript SDK cannot run", tool)
		}
	}
	t.Parallel()
	root := filepath.Join("..", tsDir)
	if _, err := os.Stat(filepath.Join(root, "node_modules", ".package-lock.json")); err != nil {
		npmRun(t, root, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	}
	npmRun(t, root, "run", "-s", "build")
	npmRun(t, root, "run", "-s", "build:test")
	p := startPanel(t, "/nonexistent/skypanel-e2e/containerd.sock") // standard servers only
	proxy, checked := whmcsProxy(t, p.url)
	// A second panel allowing each client a few requests per hour, for the SDK's 429 handling;
	// the suite gets a client of its own there, so the admin client keeps its budget for cleanup.
	limited := startPanel(t, "/nonexistent/skypanel-e2e/containerd.sock", "--rate-limit-client", "5")
	limitedProxy, limitedChecked := whmcsProxy(t, limited.url)
	made, err := limited.client(t).CreateSelfOAuth2ClientWithResponse(context.Background(),
		api.OAuth2ClientCreate{Name: "typescript sdk", Scopes: []api.GrantScope{api.GrantScopeServerView}})
	if err != nil || made.JSON201 == nil {
		t.Fatalf("POST /api/self/oauth2 on the rate-limited panel: %v %s", err, body(made))
	}
	tap := filepath.Join(t.TempDir(), "results.tap")
	var tests []string
	tests, err = filepath.Glob(filepath.Join(root, "dist-test", "*.test.js"))
	if err != nil || len(tests) == 0 {
		t.Fatalf("no compiled tests in %s/dist-test: %v", tsDir, err)
	}
	args := []string{}
	if out, err := exec.Command("node", "-p", "typeof WebSocket").Output(); err == nil && strings.TrimSpace(string(out)) == "undefined" {
		// Node 20: enable the WebSocket global (Node ≥ 22 has it) so the console helper runs on it
		// as well as on the ws package.
		args = append(args, "--experimental-websocket")
	}
	args = append(args, "--test", "--test-reporter=spec", "--test-reporter-destination=stdout",
		"--test-reporter=tap", "--test-reporter-destination="+tap)
	for _, f := range tests {
		args = append(args, filepath.Base(f))
	}
	cmd := exec.Command("node", args...)
	cmd.Dir = filepath.Join(root, "dist-test")
	cmd.Env = append(os.Environ(), "SKYPANEL_URL="+proxy, "SKYPANEL_CLIENT_ID="+p.clientID,
		"SKYPANEL_CLIENT_SECRET="+p.secret, "SKYPANEL_RUN_ID="+suite.runID, "SKYPANEL_EXPECT_WEBSOCKET_GLOBAL=1",
		"SKYPANEL_LIMITED_URL="+limitedProxy, "SKYPANEL_LIMITED_CLIENT_ID="+made.JSON201.ClientId,
		"SKYPANEL_LIMITED_CLIENT_SECRET="+made.JSON201.ClientSecret)
	out := runNode(t, cmd)
	checkTAP(t, tap, out)
	seen := checked.Seen()
	for _, op := range []string{"oauth2Token", "getSelf", "listServers", "createServer", "startServer", "serverSocket",
		"putServerFile", "getServerFile", "getServer", "deleteServer"} {
		if seen[op] == 0 {
			t.Errorf("no %s response was validated against openapi.yaml (seen: %v)", op, seen)
		}
	}
	if limitedChecked.Seen()["getSelf"] == 0 {
		t.Errorf("no getSelf response of the rate-limited panel was validated (seen: %v)", limitedChecked.Seen())
	}
}

// npmRun runs npm args in dir and fails t with its output on error.
func npmRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("npm", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
}

// runNode runs the node:test suite, logging each result line of the spec reporter as it comes,
// and returns the whole output; a failing run fails t with it.
func runNode(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	r, w := io.Pipe()
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatalf("node --test: %v", err)
	}
	var all strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			all.WriteString(sc.Text() + "\n")
			t.Log("node> " + sc.Text())
		}
		_, _ = io.Copy(io.Discard, r)
	}()
	err := cmd.Wait()
	_ = w.Close()
	<-done
	if err != nil {
		t.Fatalf("node --test in %s: %v\n%s", cmd.Dir, err, all.String())
	}
	return all.String()
}

// tapCount matches the summary lines of node's TAP reporter ("# pass 12").
var tapCount = regexp.MustCompile(`(?m)^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$`)

// tapSkip matches a TAP result with a SKIP or TODO directive.
var tapSkip = regexp.MustCompile(`(?m)^\s*(?:not )?ok \d+ - .*# (?:SKIP|TODO).*$`)

// checkTAP fails t unless the TAP summary reports tests that all passed: none failed, was
// cancelled, skipped (the live tests skip without a panel) or left todo.
func checkTAP(t *testing.T, file, out string) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("node wrote no TAP results: %v\n%s", err, out)
	}
	n := map[string]int{}
	for _, m := range tapCount.FindAllStringSubmatch(string(raw), -1) {
		n[m[1]], _ = strconv.Atoi(m[2])
	}
	if n["tests"] == 0 || n["pass"] != n["tests"] || n["fail"]+n["cancelled"]+n["skipped"]+n["todo"] > 0 {
		t.Fatalf("node --test: %v\n%s", n, out)
	}
	// A skipped suite (describe with skip) is counted nowhere in the summary: look for it.
	if m := tapSkip.FindAllString(string(raw), -1); len(m) > 0 {
		t.Fatalf("node --test skipped: %s\n%s", strings.Join(m, "; "), out)
	}
	t.Logf("node --test: %d tests passed", n["pass"])
}
