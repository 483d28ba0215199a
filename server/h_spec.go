package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"

	skypanel "github.com/skypanel/skypanel"
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
// and its scripts) with its strong validator, sent gzip-compressed to clients that accept it.
type staticDoc struct {
	body         []byte
	contentType  string
	hash         string // a prefix of the body's SHA-256, in hex
	cacheControl string
	csp          string // Content-Security-Policy, when set

	gzipOnce sync.Once
	gz       []byte // body compressed on first use; nil when that saves less than a tenth
}

func newStaticDoc(body []byte, contentType, cacheControl string) *staticDoc {
	return &staticDoc{body: body, contentType: contentType, hash: contentHash(body), cacheControl: cacheControl}
}

// etag is the strong validator of one representation: the identity body, or its gzip form
// (another representation, so another tag).
func (d *staticDoc) etag(gzipped bool) string {
	if gzipped {
		return `"` + d.hash + `-gzip"`
	}
	return `"` + d.hash + `"`
}

// gzipped returns the gzip form of the body, compressed once (the 4.8 MB reference bundle
// becomes about 1.4 MB); nil when compression does not pay.
func (d *staticDoc) gzipped() []byte {
	d.gzipOnce.Do(func() {
		var b bytes.Buffer
		w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
		if err != nil {
			return
		}
		if _, err := w.Write(d.body); err != nil || w.Close() != nil {
			return
		}
		if b.Len() < len(d.body)-len(d.body)/10 {
			d.gz = b.Bytes()
		}
	})
	return d.gz
}

// acceptsGzip reports whether an Accept-Encoding header accepts gzip (gzip, x-gzip or *
// with a non-zero q).
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		if q == "q=0" || strings.HasPrefix(q, "q=0.") && strings.Trim(q[4:], "0") == "" {
			continue // q=0, q=0.0, q=0.000: refused
		}
		return true
	}
	return false
}

// contentHash is the hex of the first 16 bytes of the SHA-256 of b (ETags and asset names).
func contentHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// staticReply answers one request with a staticDoc: 304 without a body when If-None-Match
// names its ETag (either representation's, or *), else 200 with the body, gzip-compressed when
// acceptEncoding allows. It is the response object of the spec and docs operations (the
// generated ones would re-encode the JSON and cannot answer 304 bare).
type staticReply struct {
	doc            *staticDoc
	ifNoneMatch    *string
	acceptEncoding string
}

func newStaticReply(ctx context.Context, doc *staticDoc, ifNoneMatch *string) staticReply {
	r := staticReply{doc: doc, ifNoneMatch: ifNoneMatch}
	if req := ginRequest(ctx); req != nil {
		r.acceptEncoding = req.Header.Get("Accept-Encoding")
	}
	return r
}

func (r staticReply) write(w http.ResponseWriter) error {
	body := r.doc.body
	gz := acceptsGzip(r.acceptEncoding) && r.doc.gzipped() != nil
	if gz {
		body = r.doc.gzipped()
	}
	h := w.Header()
	h.Set("ETag", r.doc.etag(gz))
	h.Set("Cache-Control", r.doc.cacheControl)
	h.Set("Vary", "Accept-Encoding")
	if r.ifNoneMatch != nil && (etagListMatch(*r.ifNoneMatch, r.doc.etag(false)) || etagListMatch(*r.ifNoneMatch, r.doc.etag(true))) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if r.doc.csp != "" {
		h.Set("Content-Security-Policy", r.doc.csp)
	}
	if gz {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Type", r.doc.contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
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

// servedSpec is the embedded contract as served, built once per process (every App shares it).
var servedSpec = sync.OnceValues(func() (specDocs, error) { return newSpecDocs(skypanel.OpenAPI) })

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
func (h *Handlers) GetOpenAPIYAML(ctx context.Context, req gen.GetOpenAPIYAMLRequestObject) (gen.GetOpenAPIYAMLResponseObject, error) {
	return newStaticReply(ctx, h.a.spec.yaml, req.Params.IfNoneMatch), nil
}

// GetOpenAPIJSON serves the same contract as JSON.
func (h *Handlers) GetOpenAPIJSON(ctx context.Context, req gen.GetOpenAPIJSONRequestObject) (gen.GetOpenAPIJSONResponseObject, error) {
	return newStaticReply(ctx, h.a.spec.json, req.Params.IfNoneMatch), nil
}
