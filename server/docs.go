package server

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"sync"

	"github.com/skypanel/skypanel/gen"
)

// docsFiles is the reference page: index.html and init.js (committed) and dist/, where
// `make docs-bundle` (a step of make build and make test) copies the Scalar API reference's
// standalone bundle from node_modules. A clone built without it has only dist/README.md, and
// /api/docs answers 501.
//
//go:embed docs
var docsFiles embed.FS

// docsBundle is the renderer's bundle inside the docs folder (Makefile: DOCS_BUNDLE).
const docsBundle = "dist/scalar-api-reference.js"

// docsCSP is the page's Content-Security-Policy: everything from this origin only, so the page
// works offline and a bundle that tried a CDN, fonts or telemetry would fail loudly. Styles
// may be inline (the renderer injects its own); fonts and images may be data: URLs.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; " +
	"manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// docsSite is the reference page and the scripts it loads, built once at start-up.
type docsSite struct {
	page   *staticDoc            // nil: the binary was built without the bundle
	assets map[string]*staticDoc // by the name the page uses, which carries a content hash
}

// servedDocs is the embedded reference page, built once per process (every App shares it).
var servedDocs = sync.OnceValues(func() (docsSite, error) { return newDocsSite(docsFS()) })

// newDocsSite builds the page from the docs folder; a folder without the bundle gives a site
// that answers 501.
func newDocsSite(fsys fs.FS) (docsSite, error) {
	bundle, err := fs.ReadFile(fsys, docsBundle)
	if errors.Is(err, fs.ErrNotExist) {
		return docsSite{}, nil
	}
	if err != nil {
		return docsSite{}, fmt.Errorf("%w: %w", ErrDocsBundle, err)
	}
	if len(bundle) == 0 {
		return docsSite{}, fmt.Errorf("%w: %s is empty", ErrDocsBundle, docsBundle)
	}
	initJS, err := fs.ReadFile(fsys, "init.js")
	if err != nil {
		return docsSite{}, fmt.Errorf("%w: %w", ErrDocsBundle, err)
	}
	tmpl, err := fs.ReadFile(fsys, "index.html")
	if err != nil {
		return docsSite{}, fmt.Errorf("%w: %w", ErrDocsBundle, err)
	}
	s := docsSite{assets: map[string]*staticDoc{}}
	page := strings.NewReplacer(
		"{{bundle}}", s.addScript("scalar", bundle),
		"{{init}}", s.addScript("init", initJS),
	).Replace(string(tmpl))
	s.page = newStaticDoc([]byte(page), "text/html; charset=utf-8", cachePage)
	s.page.csp = docsCSP
	return s, nil
}

// addScript registers a script under a name carrying its hash and returns that name.
func (s *docsSite) addScript(prefix string, body []byte) string {
	d := newStaticDoc(body, "text/javascript; charset=utf-8", cacheAsset)
	name := prefix + "-" + contentHash(body)[:16] + ".js"
	s.assets[name] = d
	return name
}

// errNoDocsBundle answers /api/docs of a binary built without the reference bundle.
var errNoDocsBundle = newAPIError(http.StatusNotImplemented, CodeNotImplemented,
	"this panel was built without the API reference bundle: build it with `make build` (npm ci, then "+
		"go build); the contract itself is at /api/openapi.yaml and /api/openapi.json", nil)

// GetAPIDocs serves the interactive API reference.
func (h *Handlers) GetAPIDocs(ctx context.Context, req gen.GetAPIDocsRequestObject) (gen.GetAPIDocsResponseObject, error) {
	if h.a.docs.page == nil {
		return nil, errNoDocsBundle
	}
	return newStaticReply(ctx, h.a.docs.page, req.Params.IfNoneMatch), nil
}

// GetAPIDocsAsset serves a script of the reference page.
func (h *Handlers) GetAPIDocsAsset(ctx context.Context, req gen.GetAPIDocsAssetRequestObject) (gen.GetAPIDocsAssetResponseObject, error) {
	d := h.a.docs.assets[req.Asset]
	if d == nil {
		return nil, newAPIError(http.StatusNotFound, CodeNotFound, "no such asset of the API reference",
			map[string]any{"id": req.Asset})
	}
	return newStaticReply(ctx, d, req.Params.IfNoneMatch), nil
}

// docsFS is the embedded docs folder.
func docsFS() fs.FS {
	sub, err := fs.Sub(docsFiles, "docs")
	if err != nil {
		panic(err) // "docs" is a valid path: fs.Sub cannot fail on it
	}
	return sub
}
