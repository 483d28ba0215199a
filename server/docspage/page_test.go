package docspage

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/skypanel/skypanel/server/apitest"
)

// pageTimeout bounds each wait for the page (a loaded CI machine renders slowly; the browser's
// own context fails the test after three minutes in all).
const pageTimeout = 2 * time.Minute

// docsPage is /api/docs open in Chromium, on a panel behind the validating proxy.
type docsPage struct {
	ctx   context.Context
	env   *apitest.Env
	proxy *panelProxy
	ev    *pageEvents
}

// openDocs starts a panel and Chromium and loads /api/docs until it shows "List servers". It
// skips unless SKYPANEL_TEST_CHROMIUM names the browser (scripts/test.sh sets it;
// install-deps.sh installs Debian's chromium); then the binary must have the reference bundle.
func openDocs(t *testing.T) *docsPage {
	bin := os.Getenv("SKYPANEL_TEST_CHROMIUM")
	if bin == "" {
		t.Skip("SKYPANEL_TEST_CHROMIUM is not set (scripts/test.sh sets it to Debian's chromium)")
	}
	e := apitest.Start(t)
	if r := e.Do(t, "GET", "/api/docs", "", nil, nil); r.Status != http.StatusOK {
		t.Fatalf("/api/docs answers %d: build with the reference bundle (make docs-bundle): %s", r.Status, r.Body)
	}
	p := &docsPage{env: e, proxy: newPanelProxy(t, e.URL), ev: &pageEvents{}}
	p.ctx = chromium(t, bin, p.ev)
	err := chromedp.Do(p.ctx,
		chromedp.Navigate(p.proxy.URL+"/api/docs"),
		p.waitText("List servers"),
	)
	if err != nil {
		_, problems := p.ev.snapshot()
		t.Fatalf("the page did not show \"List servers\": %v (problems: %q)", err, problems)
	}
	return p
}

// waitText waits until the page's rendered text contains s.
func (p *docsPage) waitText(s string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`document.body.innerText.includes(`+jsString(s)+`)`,
		chromedp.WithPollingTimeout(pageTimeout))
}

// TestDocsPageInChromium: the page renders with no console error, no exception and no failed
// or blocked request, every request it makes stays on the panel's origin (the CSP forbids
// others; nothing may even try), it lists every tag of openapi.yaml and shows the operation
// "List servers". A screenshot of the viewport is left in the artifacts folder.
func TestDocsPageInChromium(t *testing.T) {
	p := openDocs(t)
	text, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := apitest.Spec()
	if err != nil {
		t.Fatal(err)
	}
	lower := strings.ToLower(text)
	for _, tag := range spec.Tags {
		if !strings.Contains(lower, strings.ToLower(tag.Name)) {
			t.Errorf("the page does not list the tag %q", tag.Name)
		}
	}
	shot, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot()) // the viewport, as a PNG
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(artifactDir(t), "docs-page.png")
	if err := os.WriteFile(file, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of /api/docs: %s", file)
	for _, r := range p.proxy.requests() {
		if strings.HasPrefix(r.path, "/api/docs/scalar-") {
			t.Logf("the reference bundle went as %d bytes, Content-Encoding %q", r.size, r.encoding)
			if r.encoding != "gzip" {
				t.Errorf("the bundle was sent without gzip (Content-Encoding %q)", r.encoding)
			}
		}
	}
	requests := checkPageEvents(t, p.ev, p.proxy.URL)
	if len(requests) < 4 {
		t.Errorf("only %d requests (%q): the page, its two scripts and the spec at least", len(requests), requests)
	}
}

// TestDocsPageTryIt: the page's "try it" works with the panel's auth: the client id and secret
// typed into the page's Authentication panel get a token from POST /oauth2/token (client
// credentials), and "Test Request" → "Send" on "List servers" sends it as the bearer token and
// gets 200, all through the validating proxy, with no console error and no other origin.
func TestDocsPageTryIt(t *testing.T) {
	p := openDocs(t)
	err := chromedp.Do(p.ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-placeholder="12345"]`), p.env.AdminClientID), // Client ID
		chromedp.SendKeys(chromedp.CSS(`input[placeholder="XYZ123"]`), p.env.AdminClientSecret),
		clickButton("Authorize", true),
		p.waitText("Clear tokens"), // the token was issued and is held by the page
		clickSidebar("List servers"),
		clickButton("Test Request (get /api/servers)", false),
		clickButton("Send get request to", false),
	)
	if err != nil {
		t.Fatalf("try it: %v (the panel saw %+v)", err, p.proxy.requests())
	}
	wait, cancel := context.WithTimeout(p.ctx, pageTimeout)
	defer cancel()
	token, err := p.proxy.await(wait, "POST", "/oauth2/token")
	if err == nil {
		var list proxied
		if list, err = p.proxy.await(wait, "GET", "/api/servers"); err == nil &&
			(list.status != http.StatusOK || !strings.HasPrefix(list.auth, "Bearer ") || len(list.auth) < 20) {
			t.Errorf("List servers: %+v, want 200 sent with a bearer token", list)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if token.status != http.StatusOK || !strings.HasPrefix(token.auth, "Basic ") {
		t.Errorf("token request: %+v, want 200 with the client's Basic credentials", token)
	}
	checkPageEvents(t, p.ev, p.proxy.URL)
}

// checkPageEvents fails on any problem the page reported and on any request to another origin;
// it returns the requests.
func checkPageEvents(t *testing.T, ev *pageEvents, origin string) []string {
	t.Helper()
	requests, problems := ev.snapshot()
	for _, p := range problems {
		t.Errorf("page: %s", p)
	}
	base, err := url.Parse(origin)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range requests {
		u, err := url.Parse(r)
		if err != nil {
			t.Errorf("request to an unparsable URL %q", r)
			continue
		}
		if u.Scheme == "data" || u.Scheme == "blob" {
			continue // no network: content inside the page
		}
		if u.Scheme != base.Scheme || u.Host != base.Host {
			t.Errorf("request to another origin: %s", r)
		}
	}
	return requests
}
