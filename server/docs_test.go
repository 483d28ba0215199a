package server

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/skypanel/skypanel/gen"
)

// TestDocsWithoutBundle: a binary built without the reference bundle (a clone without npm)
// builds, and /api/docs answers 501 ErrNotImplemented saying how to get the page.
func TestDocsWithoutBundle(t *testing.T) {
	site, err := newDocsSite(fstest.MapFS{
		"index.html":     {Data: []byte("<script src=\"docs/{{bundle}}\"></script>")},
		"init.js":        {Data: []byte("init()")},
		"dist/README.md": {Data: []byte("placeholder")},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := &Handlers{a: &App{docs: site}}
	_, err = h.GetAPIDocs(context.Background(), gen.GetAPIDocsRequestObject{})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusNotImplemented || ae.Code != CodeNotImplemented ||
		!strings.Contains(ae.Msg, "make build") {
		t.Fatalf("error %v, want 501 ErrNotImplemented naming make build", err)
	}
}

// TestDocsSite: the page names its scripts by content hash, every name it uses is served, and the
// page carries a CSP that allows only this origin.
func TestDocsSite(t *testing.T) {
	site, err := newDocsSite(fstest.MapFS{
		"index.html": {Data: []byte(`<script src="docs/{{bundle}}"></script><script src="docs/{{init}}"></script>`)},
		"init.js":    {Data: []byte("init()")},
		docsBundle:   {Data: []byte("var Scalar = {}")},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := &Handlers{a: &App{docs: site}}
	resp, err := h.GetAPIDocs(context.Background(), gen.GetAPIDocsRequestObject{})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := resp.VisitGetAPIDocsResponse(w); err != nil {
		t.Fatal(err)
	}
	csp := w.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self';") ||
		!strings.Contains(csp, "connect-src 'self';") {
		t.Errorf("CSP %q", csp)
	}
	names := regexp.MustCompile(`src="docs/([^"]+)"`).FindAllStringSubmatch(w.Body.String(), -1)
	if len(names) != 2 || !regexp.MustCompile(`^scalar-[0-9a-f]{16}\.js$`).MatchString(names[0][1]) {
		t.Fatalf("page %q", w.Body.String())
	}
	want := []string{"var Scalar = {}", "init()"}
	for i, m := range names {
		r, err := h.GetAPIDocsAsset(context.Background(), gen.GetAPIDocsAssetRequestObject{Asset: m[1]})
		if err != nil {
			t.Fatalf("%s: %v", m[1], err)
		}
		w := httptest.NewRecorder()
		if err := r.VisitGetAPIDocsAssetResponse(w); err != nil {
			t.Fatal(err)
		}
		if w.Body.String() != want[i] || w.Header().Get("Cache-Control") != cacheAsset {
			t.Errorf("%s: body %q, Cache-Control %q", m[1], w.Body, w.Header().Get("Cache-Control"))
		}
	}
	_, err = h.GetAPIDocsAsset(context.Background(), gen.GetAPIDocsAssetRequestObject{Asset: "scalar.js"})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusNotFound {
		t.Errorf("unknown asset: %v, want 404", err)
	}
}

// TestDocsEmbedded: the embedded folder holds the page and its start script, and builds whether
// or not `make docs-bundle` put the renderer there.
func TestDocsEmbedded(t *testing.T) {
	site, err := newDocsSite(docsFS())
	if err != nil {
		t.Fatal(err)
	}
	if site.page == nil {
		t.Skip("built without the reference bundle (make docs-bundle): /api/docs answers 501")
	}
	if len(site.assets) != 2 {
		t.Errorf("%d assets, want the bundle and init.js", len(site.assets))
	}
}

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{
		"": false, "gzip": true, "GZIP": true, "x-gzip": true, "*": true, "br, gzip;q=0.5": true,
		"gzip, deflate, br, zstd": true, "gzip;q=0": false, "gzip; q=0.000": false, "gzip;q=0.001": true,
		"identity": false, "deflate, br": false, "gzipx": false,
	} {
		if got := acceptsGzip(h); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", h, got, want)
		}
	}
}
