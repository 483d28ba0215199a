package e2e

import (
	"bufio"
	"encoding/xml"
	"io"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/server/apitest"
)

// whmcsDir holds the WHMCS module and its PHPUnit suite (relative to the module root).
const whmcsDir = "integrations/whmcs"

// TestWHMCSModule runs the WHMCS module's PHPUnit suite (Debian's phpunit, no Composer) against
// a live panel behind a proxy that validates every response the module gets against
// openapi.yaml: test connection, create twice, suspend, unsuspend, change package (API and the
// memory cgroup of the running server), change password (the stored argon2id hash), terminate.
// The suite prints the lifecycle ("whmcs>" lines), logged here. Docker servers when this run has
// containerd, else standard servers. Skips only when php or phpunit is not installed
// (scripts/install-deps.sh installs them, so CI never skips).
func TestWHMCSModule(t *testing.T) {
	for _, tool := range []string{"php", "phpunit"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install php-cli php-curl php-sqlite3 phpunit): the WHMCS module cannot run", tool)
		}
	}
	t.Parallel()
	p := startPanel(t, containerdFlag())
	proxy, checked := whmcsProxy(t, p.url)
	env := []string{"PANEL_URL=" + proxy, "CLIENT_ID=" + p.clientID, "CLIENT_SECRET=" + p.secret,
		"SKYPANEL_BIN=" + suite.bin, "SKYPANEL_DATA=" + p.dir}
	if suite.sock != "" {
		env = append(env, "WHMCS_ENVIRONMENT=docker", "WHMCS_IMAGE="+suite.image)
	} else {
		t.Logf("docker environment unavailable (%s): the lifecycle uses a standard server", suite.noDocker)
		env = append(env, "WHMCS_ENVIRONMENT=standard")
	}
	junit := filepath.Join(t.TempDir(), "junit.xml")
	cmd := exec.Command("phpunit", "-c", filepath.Join(whmcsDir, "phpunit.xml"), "--log-junit", junit)
	cmd.Dir = ".." // the module root
	cmd.Env = append(os.Environ(), env...)
	out := runLogged(t, cmd)
	checkJUnit(t, junit, out)
	// Every operation the module calls (the harness's own checks call none of these) was
	// answered through the proxy and its response validated.
	seen := checked.Seen()
	for _, op := range []string{"oauth2Token", "getSelf", "listUsers", "createUser", "updateUser", "listServers",
		"createServerWithGeneratedId", "suspendServer", "unsuspendServer", "setServerLimits", "deleteServer"} {
		if seen[op] == 0 {
			t.Errorf("no %s response was validated against openapi.yaml (seen: %v)", op, seen)
		}
	}
}

// whmcsProxy is validatingProxy keeping its transport, to tell which operations were checked.
func whmcsProxy(t *testing.T, target string) (string, *apitest.Transport) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	tr := apitest.NewTransport(t, nil)
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u); r.Out.Host = u.Host }, Transport: tr}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL, tr
}

// runLogged runs cmd, logging its "whmcs>" lines (stderr, amid PHPUnit's dots on stdout) as they come, and returns its whole output;
// a failing run fails t with that output.
func runLogged(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	r, w := io.Pipe()
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatalf("phpunit: %v", err)
	}
	var all strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			all.WriteString(sc.Text() + "\n")
			if _, step, ok := strings.Cut(sc.Text(), "whmcs> "); ok { // after PHPUnit's progress dots
				t.Log("whmcs> " + step)
			}
		}
		_, _ = io.Copy(io.Discard, r)
	}()
	err := cmd.Wait()
	_ = w.Close()
	<-done
	if err != nil {
		t.Fatalf("phpunit -c %s/phpunit.xml: %v\n%s", whmcsDir, err, all.String())
	}
	return all.String()
}

// junitSuites is the part of PHPUnit's JUnit log the check reads: the top suite's counts.
type junitSuites struct {
	Suites []struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
	} `xml:"testsuite"`
}

// checkJUnit fails t unless PHPUnit ran tests and none failed, errored or was skipped (PHPUnit 9
// exits 0 with skipped tests: the lifecycle skips when its environment is missing).
func checkJUnit(t *testing.T, file, out string) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("phpunit wrote no JUnit log: %v\n%s", err, out)
	}
	var j junitSuites
	if err := xml.Unmarshal(raw, &j); err != nil || len(j.Suites) != 1 {
		t.Fatalf("JUnit log %s: %v\n%s", file, err, raw)
	}
	s := j.Suites[0]
	if s.Tests == 0 || s.Failures+s.Errors+s.Skipped > 0 {
		t.Fatalf("phpunit: %d tests, %d failures, %d errors, %d skipped\n%s", s.Tests, s.Failures, s.Errors, s.Skipped, out)
	}
	t.Logf("phpunit: %d tests passed", s.Tests)
}
