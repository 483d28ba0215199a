package docspage

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/skypanel/skypanel/server/apitest"
)

// proxied is one request the browser sent to the panel, as the validating proxy saw it.
type proxied struct {
	method, path, auth string
	status             int
	encoding           string // the response's Content-Encoding
	size               int64  // the response's Content-Length (as sent, compressed or not)
}

// panelProxy serves target through a reverse proxy whose transport validates every response
// against openapi.yaml, and records each request.
type panelProxy struct {
	URL     string
	mu      sync.Mutex
	log     []proxied
	changed chan struct{} // closed (and replaced) when a request is logged
}

func newPanelProxy(t *testing.T, target string) *panelProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &panelProxy{changed: make(chan struct{})}
	rp := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(u); r.Out.Host = u.Host },
		Transport: apitest.NewTransport(t, nil),
		ModifyResponse: func(resp *http.Response) error {
			p.mu.Lock()
			defer p.mu.Unlock()
			r := resp.Request
			p.log = append(p.log, proxied{r.Method, r.URL.Path, r.Header.Get("Authorization"), resp.StatusCode,
				resp.Header.Get("Content-Encoding"), resp.ContentLength})
			close(p.changed)
			p.changed = make(chan struct{})
			return nil
		},
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// await returns the first request to method and path, waiting for it until ctx ends.
func (p *panelProxy) await(ctx context.Context, method, path string) (proxied, error) {
	for {
		p.mu.Lock()
		for _, r := range p.log {
			if r.method == method && r.path == path {
				p.mu.Unlock()
				return r, nil
			}
		}
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return proxied{}, fmt.Errorf("no %s %s reached the panel: %w", method, path, ctx.Err())
		}
	}
}

func (p *panelProxy) requests() []proxied {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]proxied(nil), p.log...)
}

// pageEvents collects what the page did: every request it started, console errors, uncaught
// exceptions, browser log errors (CSP violations, failed loads) and failed requests.
type pageEvents struct {
	mu       sync.Mutex
	requests []string
	problems []string
}

func (e *pageEvents) add(list *[]string, s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	*list = append(*list, s)
}

func (e *pageEvents) snapshot() (requests, problems []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.requests...), append([]string(nil), e.problems...)
}

func (e *pageEvents) listen(ev any) {
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		e.add(&e.requests, ev.Request.URL)
	case *network.EventLoadingFailed:
		e.add(&e.problems, "request failed: "+ev.ErrorText+" "+string(ev.BlockedReason))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			e.add(&e.problems, "console."+string(ev.Type)+": "+strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		e.add(&e.problems, fmt.Sprintf("exception: %s (%s:%d)", msg, d.URL, d.LineNumber))
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			e.add(&e.problems, "log "+string(ev.Entry.Source)+": "+ev.Entry.Text+" "+ev.Entry.URL)
		}
	}
}

// chromium starts a headless browser tab with the collector listening; the tab and browser
// close with the test.
func chromium(t *testing.T, bin string, ev *pageEvents) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox, // tests run as root; Chromium's sandbox refuses root
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute) // a hung browser fails, never blocks
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	// Listen starts the browser; chromedp enables the log, network and runtime domains
	if err := chromedp.Listen(ctx, ev.listen); err != nil {
		t.Fatalf("start chromium (%s): %v", bin, err)
	}
	return ctx
}

// artifactDir is where the test leaves its screenshot: $SKYPANEL_TEST_ARTIFACTS (scripts/test.sh
// sets it), else skypanel-artifacts in the system's temporary folder.
func artifactDir(t *testing.T) string {
	dir := os.Getenv("SKYPANEL_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "skypanel-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// clickButton clicks the first button whose text (spaces collapsed) equals label, or contains
// it when exact is false, once there is one.
func clickButton(label string, exact bool) chromedp.Action[chromedp.Void] {
	match := `t.includes(` + jsString(label) + `)`
	if exact {
		match = `t === ` + jsString(label)
	}
	return chromedp.PollFunction[chromedp.Void](`() => {
		const b = [...document.querySelectorAll("button")].find(b => { const t = b.innerText.replace(/\s+/g, " ").trim(); return `+match+`; });
		if (!b) return false;
		b.click();
		return true;
	}`, chromedp.WithPollingTimeout(pageTimeout))
}

// clickSidebar clicks the sidebar entry labelled label (the operation's summary).
func clickSidebar(label string) chromedp.Action[chromedp.Void] {
	return chromedp.PollFunction[chromedp.Void](`() => {
		const l = [...document.querySelectorAll("div")].find(e => e.childElementCount < 3 && e.innerText.trim() === `+jsString(label)+`);
		if (!l) return false;
		(l.closest("a,button") || l).click();
		return true;
	}`, chromedp.WithPollingTimeout(pageTimeout))
}
