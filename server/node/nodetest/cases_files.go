package nodetest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/files"
	"github.com/skypanel/skypanel/daemon/nodeapi"
)

// readAll opens a file and reads it whole.
func readAll(t *testing.T, env Env, id, path string) (*nodeapi.Content, string) {
	t.Helper()
	r, err := env.Node.ReadFile(ctx(t), id, path, 1, 100)
	must(t, "read "+path, err)
	if r.File == nil || r.Listing != nil {
		t.Fatalf("read %s = %+v, want a file", path, r)
	}
	defer r.File.Body.Close()
	b, err := io.ReadAll(r.File.Body)
	must(t, "read body of "+path, err)
	return r.File, string(b)
}

// serve answers req with c as the panel does (http.ServeContent over the lazy body).
func serve(c *nodeapi.Content, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/file", nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	w.Header().Set("ETag", c.ETag)
	http.ServeContent(w, req, "", c.ModTime, c.Body)
	return w
}

// testFilesReadWrite: sized and unsized uploads stream in; reads give size, ETag, time.
func testFilesReadWrite(t *testing.T, env Env) {
	c := ctx(t)
	create(t, env, "frw")
	must(t, "write sized", env.Node.WriteFile(c, "frw", "cfg/a.txt", strings.NewReader("hello"), 5))
	f, got := readAll(t, env, "frw", "cfg/a.txt")
	if got != "hello" || f.Size != 5 || !strings.HasPrefix(f.ETag, `"`) || f.ModTime.IsZero() {
		t.Fatalf("file = %q %+v", got, f)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB, unknown size: streamed
	must(t, "write unsized", env.Node.WriteFile(c, "frw", "big.bin", io.MultiReader(bytes.NewReader(big)), -1))
	f2, got := readAll(t, env, "frw", "big.bin")
	if got != string(big) || f2.Size != int64(len(big)) {
		t.Fatalf("big file: %d bytes (size %d), want %d", len(got), f2.Size, len(big))
	}
	must(t, "overwrite", env.Node.WriteFile(c, "frw", "cfg/a.txt", strings.NewReader("hello, world"), 12))
	f3, got := readAll(t, env, "frw", "cfg/a.txt")
	if got != "hello, world" || f3.ETag == f.ETag {
		t.Fatalf("overwritten file %q, ETag %s (was %s)", got, f3.ETag, f.ETag)
	}
	must(t, "write empty", env.Node.WriteFile(c, "frw", "empty", strings.NewReader(""), 0))
	if f, got := readAll(t, env, "frw", "empty"); got != "" || f.Size != 0 {
		t.Fatalf("empty file = %q %+v", got, f)
	}
}

// testFilesRangeAndETag: the body seeks, so http.ServeContent answers Range and conditional
// requests from it.
func testFilesRangeAndETag(t *testing.T, env Env) {
	c := ctx(t)
	create(t, env, "frg")
	const data = "0123456789abcdefghij"
	must(t, "write", env.Node.WriteFile(c, "frg", "r.txt", strings.NewReader(data), int64(len(data))))
	cases := []struct {
		name   string
		hdr    map[string]string
		status int
		body   string
	}{
		{"whole", nil, http.StatusOK, data},
		{"range", map[string]string{"Range": "bytes=3-7"}, http.StatusPartialContent, data[3:8]},
		{"suffix", map[string]string{"Range": "bytes=-4"}, http.StatusPartialContent, data[16:]},
		{"open range", map[string]string{"Range": "bytes=15-"}, http.StatusPartialContent, data[15:]},
		{"outside", map[string]string{"Range": "bytes=50-60"}, http.StatusRequestedRangeNotSatisfiable, ""},
	}
	for _, tc := range cases {
		r, err := env.Node.ReadFile(c, "frg", "r.txt", 1, 100)
		must(t, tc.name, err)
		w := serve(r.File, tc.hdr)
		r.File.Body.Close()
		if w.Code != tc.status || (tc.body != "" && w.Body.String() != tc.body) {
			t.Errorf("%s: %d %q, want %d %q", tc.name, w.Code, w.Body.String(), tc.status, tc.body)
		}
	}
	r, err := env.Node.ReadFile(c, "frg", "r.txt", 1, 100)
	must(t, "read", err)
	w := serve(r.File, map[string]string{"If-None-Match": r.File.ETag})
	if w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match with the ETag: %d, want 304", w.Code)
	}
	// seek back and forth on one body
	b := r.File.Body
	defer b.Close()
	if _, err := b.Seek(10, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 5)
	if _, err := io.ReadFull(b, p); err != nil || string(p) != data[10:15] {
		t.Fatalf("after Seek(10): %q, %v", p, err)
	}
	if _, err := b.Seek(2, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(b)
	if err != nil || string(rest) != data[2:] {
		t.Fatalf("after Seek(2): %q, %v", rest, err)
	}
}

// testFilesFoldersAndDeletes: folders, listings with paging, recursive deletes.
func testFilesFoldersAndDeletes(t *testing.T, env Env) {
	c := ctx(t)
	create(t, env, "ffd")
	must(t, "mkdir", env.Node.MakeFolder(c, "ffd", "cfg/sub"))
	must(t, "write", env.Node.WriteFile(c, "ffd", "cfg/a.txt", strings.NewReader("hello"), 5))
	must(t, "write", env.Node.WriteFile(c, "ffd", "cfg/sub/deep.txt", strings.NewReader("x"), 1))
	r, err := env.Node.ReadFile(c, "ffd", "cfg", 1, 10)
	must(t, "list", err)
	l := r.Listing
	if l == nil || r.File != nil || l.Total != 2 || len(l.Entries) != 2 || l.Entries[0].Name != "sub" || l.Entries[0].IsFile ||
		l.Entries[1].Name != "a.txt" || !l.Entries[1].IsFile || l.Entries[1].Size != 5 {
		t.Fatalf("listing = %+v", l)
	}
	r, err = env.Node.ReadFile(c, "ffd", "cfg", 2, 1)
	must(t, "list page 2", err)
	if r.Listing == nil || r.Listing.Total != 2 || len(r.Listing.Entries) != 1 || r.Listing.Entries[0].Name != "a.txt" {
		t.Fatalf("page 2 of 1 = %+v", r.Listing)
	}
	must(t, "delete folder", env.Node.DeleteFile(c, "ffd", "cfg/sub"))
	_, err = env.Node.ReadFile(c, "ffd", "cfg/sub/deep.txt", 1, 10)
	mustIs(t, "read in a deleted folder", err, files.ErrNotFound)
	must(t, "delete file", env.Node.DeleteFile(c, "ffd", "cfg/a.txt"))
	_, err = env.Node.ReadFile(c, "ffd", "cfg/a.txt", 1, 10)
	mustIs(t, "read a deleted file", err, files.ErrNotFound)
}

// testFilesErrors: escaping paths, unknown servers and the disk limit.
func testFilesErrors(t *testing.T, env Env) {
	c := ctx(t)
	def := env.Def("ferr")
	def.Limits.DiskMiB = ptr(int64(1))
	must(t, "create", env.Node.CreateServer(c, def))
	t.Cleanup(func() { _ = env.Node.DeleteServer(c, "ferr") })
	_, err := env.Node.ReadFile(c, "ferr", "../etc/passwd", 1, 10)
	mustIs(t, "escaping read", err, files.ErrPathInvalid)
	mustIs(t, "escaping write", env.Node.WriteFile(c, "ferr", "../x", strings.NewReader("x"), 1), files.ErrPathInvalid)
	_, err = env.Node.ReadFile(c, "nosuch", "/", 1, 10)
	mustIs(t, "unknown server", err, daemon.ErrNotFound)
	big := bytes.Repeat([]byte("x"), 2<<20)
	mustIs(t, "over the disk limit", env.Node.WriteFile(c, "ferr", "big", bytes.NewReader(big), int64(len(big))), files.ErrDiskLimit)
	_, err = env.Node.ReadFile(c, "ferr", "big", 1, 10)
	mustIs(t, "a refused upload leaves nothing", err, files.ErrNotFound)
	must(t, "write", env.Node.WriteFile(c, "ferr", "plain", strings.NewReader("x"), 1))
	mustIs(t, "folder over a file", env.Node.MakeFolder(c, "ferr", "plain/sub"), files.ErrConflict)
}
