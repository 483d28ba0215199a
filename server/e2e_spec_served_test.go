package server_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	skypanel "github.com/skypanel/skypanel"
	"github.com/skypanel/skypanel/server"
	"github.com/skypanel/skypanel/server/apitest"
)

// TestServedSpec: /api/openapi.yaml is the embedded contract byte for byte and /api/openapi.json
// the same document; both are public (no token, and a bad token is ignored, not refused), carry
// a strong ETag and Cache-Control: public, and answer If-None-Match with 304 and no body.
func TestServedSpec(t *testing.T) {
	e := apitest.Start(t)
	for _, c := range []struct{ path, ctype string }{
		{"/api/openapi.yaml", "application/yaml"},
		{"/api/openapi.json", "application/json"},
	} {
		t.Run(c.path, func(t *testing.T) {
			r := e.Do(t, "GET", c.path, "", nil, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if got := r.Header.Get("Content-Type"); got != c.ctype {
				t.Errorf("Content-Type %q, want %q", got, c.ctype)
			}
			etag := r.Header.Get("ETag")
			if len(etag) < 18 || etag[0] != '"' || etag[len(etag)-1] != '"' {
				t.Fatalf("ETag %q is not a quoted strong validator", etag)
			}
			if cc := r.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "public, max-age=") {
				t.Errorf("Cache-Control %q", cc)
			}
			if c.ctype == "application/yaml" && !bytes.Equal(r.Body, skypanel.OpenAPI) {
				t.Errorf("body (%d bytes) is not the embedded openapi.yaml (%d bytes)", len(r.Body), len(skypanel.OpenAPI))
			}
			if again := e.Do(t, "GET", c.path, "not-a-token", nil, nil); again.Status != http.StatusOK ||
				again.Header.Get("ETag") != etag || !bytes.Equal(again.Body, r.Body) {
				t.Errorf("with a bogus bearer token: status %d, ETag %q", again.Status, again.Header.Get("ETag"))
			}
			conditional(t, e, c.path, etag)
		})
	}
}

// conditional checks the If-None-Match answers of a path whose current ETag is etag.
func conditional(t *testing.T, e *apitest.Env, path, etag string) {
	t.Helper()
	for _, c := range []struct {
		name, inm string
		want      int
	}{
		{"same", etag, http.StatusNotModified},
		{"weak form", "W/" + etag, http.StatusNotModified},
		{"in a list", `"0123", ` + etag, http.StatusNotModified},
		{"star", "*", http.StatusNotModified},
		{"other", `"0123456789abcdef"`, http.StatusOK},
	} {
		r := e.Do(t, "GET", path, "", nil, http.Header{"If-None-Match": {c.inm}})
		if r.Status != c.want {
			t.Errorf("If-None-Match %s (%q): status %d, want %d", c.name, c.inm, r.Status, c.want)
			continue
		}
		if r.Header.Get("ETag") != etag {
			t.Errorf("If-None-Match %s: ETag %q, want %q", c.name, r.Header.Get("ETag"), etag)
		}
		if c.want == http.StatusNotModified && len(r.Body) != 0 {
			t.Errorf("If-None-Match %s: 304 with a %d-byte body", c.name, len(r.Body))
		}
	}
}

// TestServedSpecJSONEqualsYAML: the JSON is the YAML document (same values, numbers compared as
// numbers), with the paths in the YAML's order.
func TestServedSpecJSONEqualsYAML(t *testing.T) {
	e := apitest.Start(t)
	js := e.Do(t, "GET", "/api/openapi.json", "", nil, nil)
	if js.Status != http.StatusOK {
		t.Fatalf("status %d", js.Status)
	}
	var fromYAML, fromJSON any
	if err := yaml.Unmarshal(skypanel.OpenAPI, &fromYAML); err != nil {
		t.Fatal(err)
	}
	fromYAML = asJSONValue(t, fromYAML)
	if err := json.Unmarshal(js.Body, &fromJSON); err != nil {
		t.Fatalf("the JSON does not parse: %v", err)
	}
	if !reflect.DeepEqual(fromYAML, fromJSON) {
		t.Fatal("/api/openapi.json is not the same document as openapi.yaml")
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(skypanel.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	want := mappingKeys(t, doc.Content[0], "paths")
	if got := jsonPathOrder(t, js.Body); !reflect.DeepEqual(got, want) {
		t.Errorf("paths order differs from the YAML's: first JSON %v, first YAML %v", got[:3], want[:3])
	}
}

// asJSONValue converts a yaml.v3-decoded value to what encoding/json would decode (float64).
func asJSONValue(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func mappingKeys(t *testing.T, root *yaml.Node, key string) []string {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == key {
			var keys []string
			m := root.Content[i+1]
			for j := 0; j < len(m.Content); j += 2 {
				keys = append(keys, m.Content[j].Value)
			}
			return keys
		}
	}
	t.Fatalf("no %q in the document", key)
	return nil
}

// jsonPathOrder returns the keys of the JSON document's "paths" object in their order.
func jsonPathOrder(t *testing.T, body []byte) []string {
	var top struct{ Paths orderedKeys }
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatal(err)
	}
	return top.Paths
}

type orderedKeys []string

func (k *orderedKeys) UnmarshalJSON(b []byte) error {
	d := json.NewDecoder(bytes.NewReader(b))
	if _, err := d.Token(); err != nil { // {
		return err
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		*k = append(*k, tok.(string))
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return err
		}
	}
	return nil
}

// TestServedSpecRateLimited: the spec routes count against the per-IP limit of unauthenticated
// requests like every public route, no more: the fourth public request of a limit of three is
// 429, whichever route it goes to.
func TestServedSpecRateLimited(t *testing.T) {
	e := apitest.Start(t, apitest.WithRateLimits(1000, 3, time.Hour))
	for _, p := range []string{"/api/openapi.yaml", "/.well-known/jwks.json", "/api/openapi.json"} {
		if r := e.Do(t, "GET", p, "", nil, nil); r.Status != http.StatusOK {
			t.Fatalf("%s: status %d", p, r.Status)
		}
	}
	r := e.Do(t, "GET", "/api/openapi.json", "", nil, nil)
	r.ExpectError(t, http.StatusTooManyRequests, server.CodeRateLimited)
	if r.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

// TestServedDocsPage: /api/docs is public; with the bundle it is an HTML page with a CSP of
// this origin only whose scripts are served (immutable, by hash) and which revalidates with
// its ETag; without it (a `go build` on a clone without npm) it is 501 ErrNotImplemented.
func TestServedDocsPage(t *testing.T) {
	e := apitest.Start(t)
	r := e.Do(t, "GET", "/api/docs", "", nil, nil)
	if r.Status == http.StatusNotImplemented {
		r.ExpectError(t, http.StatusNotImplemented, server.CodeNotImplemented)
		t.Skip("built without the reference bundle (make docs-bundle); the 501 is checked")
	}
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("status %d, Content-Type %q", r.Status, r.Header.Get("Content-Type"))
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	conditional(t, e, "/api/docs", r.Header.Get("ETag"))
	scripts := regexp.MustCompile(`<script src="docs/([^"]+)"`).FindAllStringSubmatch(string(r.Body), -1)
	if len(scripts) != 2 {
		t.Fatalf("page loads %d scripts, want the bundle and init.js", len(scripts))
	}
	for _, s := range scripts {
		a := e.Do(t, "GET", "/api/docs/"+s[1], "", nil, nil)
		if a.Status != http.StatusOK || len(a.Body) == 0 ||
			a.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("%s: status %d, %d bytes, Cache-Control %q", s[1], a.Status, len(a.Body), a.Header.Get("Cache-Control"))
		}
		conditional(t, e, "/api/docs/"+s[1], a.Header.Get("ETag"))
	}
	e.Do(t, "GET", "/api/docs/scalar-0000000000000000.js", "", nil, nil).ExpectError(t, http.StatusNotFound, server.CodeNotFound)
}

// TestServedSpecGzip: a client accepting gzip gets the spec compressed (Content-Encoding, Vary,
// an ETag of its own that If-None-Match also honours) and it decompresses to openapi.yaml; a
// client refusing it (q=0) or not asking gets the identity body.
func TestServedSpecGzip(t *testing.T) {
	e := apitest.Start(t)
	// Accept-Encoding set by hand: Go's transport then leaves the body compressed
	r := e.Do(t, "GET", "/api/openapi.yaml", "", nil, http.Header{"Accept-Encoding": {"br, gzip;q=0.8"}})
	if r.Status != http.StatusOK || r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("status %d, Content-Encoding %q, Vary %q", r.Status, r.Header.Get("Content-Encoding"), r.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, skypanel.OpenAPI) {
		t.Fatalf("gzip body (%d bytes) does not decompress to openapi.yaml: %v", len(r.Body), err)
	}
	if len(r.Body) >= len(skypanel.OpenAPI)/2 {
		t.Errorf("gzip body %d bytes for %d", len(r.Body), len(skypanel.OpenAPI))
	}
	gzTag := r.Header.Get("ETag")
	id := e.Do(t, "GET", "/api/openapi.yaml", "", nil, http.Header{"Accept-Encoding": {"gzip;q=0, identity"}})
	if id.Header.Get("Content-Encoding") != "" || !bytes.Equal(id.Body, skypanel.OpenAPI) {
		t.Fatalf("gzip;q=0: Content-Encoding %q, %d bytes", id.Header.Get("Content-Encoding"), len(id.Body))
	}
	if idTag := id.Header.Get("ETag"); idTag == gzTag {
		t.Errorf("both representations have the ETag %s", idTag)
	} else {
		r := e.Do(t, "GET", "/api/openapi.yaml", "", nil, http.Header{"Accept-Encoding": {"gzip"}, "If-None-Match": {idTag}})
		if r.Status != http.StatusNotModified || r.Header.Get("ETag") != gzTag {
			t.Errorf("If-None-Match with the identity tag, accepting gzip: %d, ETag %q", r.Status, r.Header.Get("ETag"))
		}
	}
}
