package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"

	"github.com/skypanel/skypanel/gen"
)

// Cache lifetimes of the served contract and reference page.
const (
	// cacheSpec: the spec changes only with the binary; a client revalidates with its ETag after.
	cacheSpec = "public, max-age=300"
	// cachePage: the page names its scripts by hash, so it is always revalidated (a cached page
	// must not outlive the scripts of the binary that served it).
	cachePage = "public, no-cache"
	// cacheAsset: a script's name carries its hash; a new bundle is a new name.
	cacheAsset = "public, max-age=31536000, immutable"
)

// staticDoc is a response body fixed at start-up (the spec, its JSON form, the reference page
// and its scripts) with its strong validator.
type staticDoc struct {
	body         []byte
	contentType  string
	etag         string // quoted strong validator: a prefix of the body's SHA-256
	cacheControl string
	csp          string // Content-Security-Policy, when set
}

func newStaticDoc(body []byte, contentType, cacheControl string) *staticDoc {
	return &staticDoc{body: body, contentType: contentType, etag: `"` + contentHash(body) + `"`,
		cacheControl: cacheControl}
}

// contentHash is the hex of the first 16 bytes of the SHA-256 of b (ETags and asset names).
func contentHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// staticReply answers one request with a staticDoc: 304 without a body when If-None-Match
// names its ETag (or is *), else 200 with the body. It is the response object of the spec and
// docs operations (the generated ones would re-encode the JSON and cannot answer 304 bare).
type staticReply struct {
	doc         *staticDoc
	ifNoneMatch *string
}

func (r staticReply) write(w http.ResponseWriter) error {
	h := w.Header()
	h.Set("ETag", r.doc.etag)
	h.Set("Cache-Control", r.doc.cacheControl)
	if r.ifNoneMatch != nil && etagListMatch(*r.ifNoneMatch, r.doc.etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if r.doc.csp != "" {
		h.Set("Content-Security-Policy", r.doc.csp)
	}
	h.Set("Content-Type", r.doc.contentType)
	h.Set("Content-Length", strconv.Itoa(len(r.doc.body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(r.doc.body)
	return err
}

func (r staticReply) VisitGetOpenAPIYAMLResponse(w http.ResponseWriter) error  { return r.write(w) }
func (r staticReply) VisitGetOpenAPIJSONResponse(w http.ResponseWriter) error  { return r.write(w) }
func (r staticReply) VisitGetAPIDocsResponse(w http.ResponseWriter) error      { return r.write(w) }
func (r staticReply) VisitGetAPIDocsAssetResponse(w http.ResponseWriter) error { return r.write(w) }

// specDocs is the contract as served: the embedded openapi.yaml byte for byte, and its JSON
// form converted once.
type specDocs struct {
	yaml, json *staticDoc
}

func newSpecDocs(spec []byte) (specDocs, error) {
	js, err := yamlToJSON(spec)
	if err != nil {
		return specDocs{}, err
	}
	return specDocs{
		yaml: newStaticDoc(spec, "application/yaml", cacheSpec),
		json: newStaticDoc(js, "application/json", cacheSpec),
	}, nil
}

// GetOpenAPIYAML serves the openapi.yaml the binary was built from.
func (h *Handlers) GetOpenAPIYAML(_ context.Context, req gen.GetOpenAPIYAMLRequestObject) (gen.GetOpenAPIYAMLResponseObject, error) {
	return staticReply{doc: h.a.spec.yaml, ifNoneMatch: req.Params.IfNoneMatch}, nil
}

// GetOpenAPIJSON serves the same contract as JSON.
func (h *Handlers) GetOpenAPIJSON(_ context.Context, req gen.GetOpenAPIJSONRequestObject) (gen.GetOpenAPIJSONResponseObject, error) {
	return staticReply{doc: h.a.spec.json, ifNoneMatch: req.Params.IfNoneMatch}, nil
}
