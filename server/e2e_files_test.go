package server_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/skypanel/skypanel/api"
	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/files"
	"github.com/skypanel/skypanel/server/apitest"
)

// filesEnv is a panel with a real local node (daemon Manager + host runtime) for the file
// manager and backup tests.
type filesEnv struct {
	*apitest.Env
	node  *apitest.Node
	admin string
}

var filesServerSeq atomic.Int32

// filesWaitLimit only turns a hang into a failure; no assertion depends on time.
const filesWaitLimit = 60 * time.Second

func startFilesEnv(t *testing.T) *filesEnv {
	t.Helper()
	node := apitest.StartNode(t, daemon.Options{StopTimeout: 2 * time.Second, TermTimeout: 2 * time.Second})
	env := apitest.Start(t, apitest.WithNodes(node.Registry()))
	t.Cleanup(node.Local.Close)
	return &filesEnv{Env: env, node: node, admin: env.AdminToken(t)}
}

// createServer creates a standard server (startup: a shell echoing its stdin) with a disk
// limit (MiB, 0 = none) and a backup limit.
func (e *filesEnv) createServer(t *testing.T, diskMiB int64, backups int) string {
	t.Helper()
	id := fmt.Sprintf("fm%d", filesServerSeq.Add(1))
	r := e.DoJSON(t, http.MethodPut, "/api/servers/"+id, e.admin, map[string]any{
		"name": "files test", "ownerId": e.AdminID, "environmentType": "standard",
		"startup":       `while read l; do echo "got:$l"; done`,
		"limits":        map[string]any{"disk": diskMiB},
		"featureLimits": map[string]any{"databases": 0, "backups": backups},
	})
	if r.Status != http.StatusCreated {
		t.Fatalf("create server: %d %s", r.Status, r.Body)
	}
	return id
}

func (e *filesEnv) volume(id string) string { return filepath.Join(e.node.Dir, "node", "volumes", id) }

func fileURL(id, rawPath string) string { return "/api/servers/" + id + "/file/" + rawPath }

// put uploads body to a raw (already escaped) path.
func (e *filesEnv) put(t *testing.T, id, rawPath, body string) *apitest.Response {
	t.Helper()
	return e.Do(t, http.MethodPut, fileURL(id, rawPath), e.admin, strings.NewReader(body),
		http.Header{"Content-Type": {"application/octet-stream"}})
}

func TestFilesRoundTrip(t *testing.T) {
	e := startFilesEnv(t)
	id := e.createServer(t, 0, 0)
	// raw slashes and %2F reach the same file
	if r := e.put(t, id, "config/server.properties", "motd=hello"); r.Status != http.StatusNoContent {
		t.Fatalf("put: %d %s", r.Status, r.Body)
	}
	r := e.Do(t, http.MethodGet, fileURL(id, "config%2Fserver.properties"), e.admin, nil, nil)
	if r.Status != http.StatusOK || string(r.Body) != "motd=hello" || r.Header.Get("Content-Length") != "10" ||
		r.Header.Get("ETag") == "" || r.Header.Get("Last-Modified") == "" || r.Header.Get("Accept-Ranges") != "bytes" {
		t.Fatalf("get: %d %q %v", r.Status, r.Body, r.Header)
	}
	fi, err := os.Stat(filepath.Join(e.volume(id), "config/server.properties"))
	if err != nil || fi.Sys().(*syscall.Stat_t).Uid != 65534 {
		t.Fatalf("uploaded file is not owned by the servers' user: %v %v", err, fi)
	}
	etag := r.Header.Get("ETag")
	ranges := []struct {
		name, rng, ifRange string
		status             int
		body, contentRange string
	}{
		{"range", "bytes=0-3", "", 206, "motd", "bytes 0-3/10"},
		{"open range", "bytes=5-", "", 206, "hello", "bytes 5-9/10"},
		{"suffix", "bytes=-3", "", 206, "llo", "bytes 7-9/10"},
		{"past the end", "bytes=5-100", "", 206, "hello", "bytes 5-9/10"},
		{"unsatisfiable", "bytes=10-", "", 416, "", "bytes */10"},
		{"malformed", "bytes=x-y", "", 416, "", "bytes */10"},
		{"several ranges", "bytes=0-1,3-4", "", 200, "motd=hello", ""},
		{"if-range matches", "bytes=0-3", etag, 206, "motd", "bytes 0-3/10"},
		{"if-range stale", "bytes=0-3", `"old"`, 200, "motd=hello", ""},
	}
	for _, tt := range ranges {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Range": {tt.rng}}
			if tt.ifRange != "" {
				h.Set("If-Range", tt.ifRange)
			}
			r := e.Do(t, http.MethodGet, fileURL(id, "config/server.properties"), e.admin, nil, h)
			if r.Status != tt.status || r.Header.Get("Content-Range") != tt.contentRange {
				t.Fatalf("%d %q Content-Range %q", r.Status, r.Body, r.Header.Get("Content-Range"))
			}
			if tt.status == 416 {
				r.ExpectError(t, 416, "ErrFieldInvalid")
			} else if string(r.Body) != tt.body {
				t.Fatalf("body %q, want %q", r.Body, tt.body)
			}
		})
	}
	r = e.Do(t, http.MethodGet, fileURL(id, "config/server.properties"), e.admin, nil, http.Header{"If-None-Match": {etag}})
	if r.Status != http.StatusNotModified || len(r.Body) != 0 {
		t.Fatalf("If-None-Match: %d %q", r.Status, r.Body)
	}
	e.checkFolderOps(t, id)
}

func (e *filesEnv) checkFolderOps(t *testing.T, id string) {
	t.Helper()
	for _, f := range []string{"b.txt", "A.txt", "world/level.dat", "logs/latest.log"} {
		if r := e.put(t, id, f, "x"); r.Status != http.StatusNoContent {
			t.Fatalf("put %s: %d", f, r.Status)
		}
	}
	if r := e.Do(t, http.MethodPut, fileURL(id, "plugins/empty")+"?folder=true", e.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("mkdir: %d %s", r.Status, r.Body)
	}
	var names []string
	for page := 1; page <= 3; page++ {
		r := e.Do(t, http.MethodGet, fileURL(id, "")+fmt.Sprintf("?page=%d&limit=2", page), e.admin, nil, nil)
		var l api.FileList
		r.JSON(t, &l)
		if r.Status != http.StatusOK || l.Metadata.Paging.Total != 6 || l.Metadata.Paging.Size != 2 {
			t.Fatalf("list page %d: %d %s", page, r.Status, r.Body)
		}
		for _, f := range l.Files {
			names = append(names, fmt.Sprintf("%s:%v", f.Name, f.IsFile))
		}
	}
	want := "config:false logs:false plugins:false world:false A.txt:true b.txt:true"
	if strings.Join(names, " ") != want {
		t.Fatalf("listing = %v, want %s", names, want)
	}
	checks := []struct {
		method, path string
		status       int
		code         string
	}{
		{http.MethodPut, "world", 409, "ErrConflict"},
		{http.MethodPut, "b.txt/under", 409, "ErrConflict"},
		{http.MethodGet, "missing.txt", 404, "ErrFileNotFound"},
		{http.MethodGet, "b.txt/under", 404, "ErrFileNotFound"},
		{http.MethodDelete, "b.txt/under", 404, "ErrFileNotFound"},
		{http.MethodDelete, "missing.txt", 404, "ErrFileNotFound"},
		{http.MethodDelete, "%2F", 400, "ErrPathInvalid"},
		{http.MethodPut, ".", 400, "ErrPathInvalid"},
		{http.MethodDelete, "", 405, "ErrMethodNotAllowed"},
		{http.MethodPut, "", 405, "ErrMethodNotAllowed"},
	}
	for _, c := range checks {
		var body io.Reader
		if c.method == http.MethodPut {
			body = strings.NewReader("x")
		}
		r := e.Do(t, c.method, fileURL(id, c.path), e.admin, body, http.Header{"Content-Type": {"application/octet-stream"}})
		r.ExpectError(t, c.status, c.code)
	}
	if r := e.Do(t, http.MethodDelete, fileURL(id, "world"), e.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete folder: %d %s", r.Status, r.Body)
	}
	if _, err := os.Stat(filepath.Join(e.volume(id), "world")); !os.IsNotExist(err) {
		t.Fatalf("folder still there: %v", err)
	}
}

// streamTransport lets big octet-stream bodies through unbuffered: the validating transport
// checks status and headers (it never checks octet-stream bodies) against an empty body,
// and the caller reads the real one.
type streamTransport struct {
	validating *apitest.Transport
	body       io.ReadCloser
}

func (s *streamTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := s.validating.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if s.body != nil {
		resp.Body, s.body = s.body, nil
	}
	return resp, nil
}

type stashBody struct{ s *streamTransport }

func (b stashBody) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/octet-stream") {
		b.s.body, resp.Body = resp.Body, io.NopCloser(bytes.NewReader(nil))
	}
	return resp, err
}

// streamClient is an http.Client validating responses against the spec without buffering
// octet-stream bodies. Not safe for concurrent requests.
func streamClient(t *testing.T) *http.Client {
	s := &streamTransport{}
	s.validating = apitest.NewTransport(t, stashBody{s})
	return &http.Client{Transport: s}
}

// pattern is a deterministic, incompressible byte stream of n bytes.
type pattern struct {
	n, off int64
	seed   [32]byte
	block  []byte
}

func newPattern(n int64, seed string) *pattern {
	return &pattern{n: n, seed: sha256.Sum256([]byte(seed))}
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	total := 0
	for len(b) > 0 && p.off < p.n {
		if len(p.block) == 0 {
			h := sha256.New()
			fmt.Fprintf(h, "%x%d", p.seed, p.off)
			sum := h.Sum(nil)
			p.block = bytes.Repeat(sum, 1024) // 32 KiB per counter value
		}
		k := copy(b, p.block[:min(int64(len(p.block)), p.n-p.off)])
		p.block, b = p.block[k:], b[k:]
		p.off += int64(k)
		total += k
	}
	return total, nil
}

func TestFilesLargeUploadDownload(t *testing.T) {
	e := startFilesEnv(t)
	id := e.createServer(t, 0, 0)
	const size = 200 << 20
	up := sha256.New()
	req, _ := http.NewRequest(http.MethodPut, e.URL+fileURL(id, "big/world.bin"), io.TeeReader(newPattern(size, "big"), up))
	req.ContentLength = size
	req.Header.Set("Authorization", "Bearer "+e.admin)
	req.Header.Set("Content-Type", "application/octet-stream")
	c := streamClient(t)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodGet, e.URL+fileURL(id, "big%2Fworld.bin"), nil)
	req.Header.Set("Authorization", "Bearer "+e.admin)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	down := sha256.New()
	n, err := io.Copy(down, resp.Body)
	resp.Body.Close()
	if err != nil || n != size || resp.Header.Get("Content-Length") != fmt.Sprint(size) {
		t.Fatalf("download: %d bytes, %v, %v", n, err, resp.Header)
	}
	if !bytes.Equal(up.Sum(nil), down.Sum(nil)) {
		t.Fatalf("sha256 differs: up %x down %x", up.Sum(nil), down.Sum(nil))
	}
}

// tempFiles lists upload temporaries and files named name under dir.
func leftovers(t *testing.T, dir, name string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && (files.IsTemp(d.Name()) || d.Name() == name) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// waitGone waits until nothing is left of an upload (the handler finishes after the client
// vanished).
func waitGone(t *testing.T, dir, name string) {
	t.Helper()
	deadline := time.Now().Add(filesWaitLimit)
	for len(leftovers(t, dir, name)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("left after the interrupted upload: %v", leftovers(t, dir, name))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
