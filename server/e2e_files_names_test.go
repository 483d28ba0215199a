package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/api"
)

// awkwardNames are file names whose every byte must round-trip through the file API.
var awkwardNames = []string{
	"mods/fabric-api-0.92.0+1.20.1.jar",
	"a+b.txt",
	"100% done.txt",
	"%41 not an escape.txt",
	"two  spaces .txt",
	"issue #7.txt",
	"why?.txt",
	"[brackets] {braces}.txt",
	"(parens) & semi;colon,comma=eq@at$.txt",
	"tilde~ 'quote' !bang.txt",
	"ñandú.txt",
	"世界/level.dat",
	"emoji 🎮/save+1.dat",
	"-rf",
	".env",
	"...",
	"--/.hidden/+",
}

// encodings put a name into a URL path the ways clients do.
var encodings = []struct {
	name   string
	encode func(string) string
}{
	{"raw slashes", func(n string) string { // each segment escaped, `/` as is (curl, browsers)
		segs := strings.Split(n, "/")
		for i, s := range segs {
			segs[i] = url.PathEscape(s)
		}
		return strings.Join(segs, "/")
	}},
	{"%2F", url.PathEscape}, // generated clients
	{"every byte", func(n string) string { return escapeAll(n) }},                                              // %2B for +, %2F for /
	{"%2F in raw slashes", func(n string) string { return strings.Replace(url.PathEscape(n), "%2F", "/", 1) }}, // mixed
}

// escapeAll percent-encodes every byte but the unreserved ones (RFC 3986 §2.3).
func escapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// TestFileNamesRoundTrip uploads, lists, downloads and deletes each awkward name through the
// real gin engine (every response validated against openapi.yaml), with each encoding, and
// checks the bytes on disk: the name the client meant is the name stored.
func TestFileNamesRoundTrip(t *testing.T) {
	e := startFilesEnv(t)
	id := e.createServer(t, 0, 0)
	for _, enc := range encodings {
		for _, name := range awkwardNames {
			t.Run(enc.name+"/"+name, func(t *testing.T) {
				e.roundTrip(t, id, name, enc.encode(name))
			})
		}
	}
}

func (e *filesEnv) roundTrip(t *testing.T, id, name, raw string) {
	t.Helper()
	body := "content of " + name + " sent as " + raw
	if r := e.put(t, id, raw, body); r.Status != http.StatusNoContent {
		t.Fatalf("PUT %s: %d %s", raw, r.Status, r.Body)
	}
	onDisk, err := os.ReadFile(filepath.Join(e.volume(id), filepath.FromSlash(name)))
	if err != nil || string(onDisk) != body {
		t.Fatalf("PUT %s: on disk %q (%v), want %q", raw, onDisk, err, body)
	}
	dir, base := path.Split(name)
	if names := e.listNames(t, id, dir); !slices.Contains(names, base) {
		t.Fatalf("listing of %q = %q, missing %q", dir, names, base)
	}
	r := e.Do(t, http.MethodGet, fileURL(id, raw), e.admin, nil, nil)
	if r.Status != http.StatusOK || string(r.Body) != body {
		t.Fatalf("GET %s: %d %q, want %q", raw, r.Status, r.Body, body)
	}
	if r := e.Do(t, http.MethodDelete, fileURL(id, raw), e.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("DELETE %s: %d %s", raw, r.Status, r.Body)
	}
	if _, err := os.Lstat(filepath.Join(e.volume(id), filepath.FromSlash(name))); !os.IsNotExist(err) {
		t.Fatalf("DELETE %s: still on disk (%v)", raw, err)
	}
	if names := e.listNames(t, id, dir); slices.Contains(names, base) {
		t.Fatalf("listing of %q after delete = %q, still has %q", dir, names, base)
	}
}

// listNames lists a folder ("" or "a/b/") through the root route or {path} (raw slashes).
func (e *filesEnv) listNames(t *testing.T, id, dir string) []string {
	t.Helper()
	u := fileURL(id, "")
	if dir = strings.TrimSuffix(dir, "/"); dir != "" {
		u = fileURL(id, url.PathEscape(dir))
	}
	r := e.Do(t, http.MethodGet, u, e.admin, nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("list %s: %d %s", u, r.Status, r.Body)
	}
	var l api.FileList
	r.JSON(t, &l)
	names := make([]string, 0, len(l.Files))
	for _, f := range l.Files {
		names = append(names, f.Name)
	}
	return names
}
