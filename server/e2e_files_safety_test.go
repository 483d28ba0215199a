package server_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/server/apitest"
)

// hostilePaths is the traversal corpus: raw URL tails after /file/ (as an attacker sends them).
// links are the symlinks planted in the volume (as the game process could) that lead out.
func hostilePaths(links []string) []string {
	lexical := []string{
		"..", "../", "../etc/passwd", "../../../../../../etc/passwd", "../../../../../../etc/shadow",
		"..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/etc/passwd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
		"%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "%252e%252e%252fetc%252fpasswd", "..%252f..%252fetc%252fpasswd",
		"%252e%252e/%252e%252e/etc", "..%5c..%5cetc%5cpasswd", "..%5C..%5C", "%5c..%5c..%5cetc",
		"%2Fetc%2Fpasswd", "%2F%2Fetc%2Fpasswd", "/etc/passwd", "//etc/passwd", "%2F..",
		"a/../../etc/passwd", "a/%2e%2e/%2e%2e/etc/passwd", "a/b/../../../etc", "./../etc", "a/./../../etc",
		".%2e/etc", "%2e./etc", "%2e%2e", ".%2E", "config/../../", "world/../..", "..%2f", "%2e%2e%5c",
		"%00", "file%00.txt", "etc%00/passwd", "..%00/etc", "%2500", "a%2500b",
		"%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "%c0%af", "%e0%80%ae%e0%80%ae/etc", "%ff%fe", "%c1%9c",
		"..%c0%af..%c0%afetc", "\\..\\..\\etc", "%5C%5C..%5Cetc", "..\\", "world\\..\\..\\etc",
	}
	out := append([]string{}, lexical...)
	for _, l := range links {
		out = append(out, l, l+"/", l+"/passwd", l+"%2Fpasswd", l+"/new/dir/file", l+"/x%2F..%2F..")
	}
	return out
}

func TestFilesTraversalCorpus(t *testing.T) {
	e := startFilesEnv(t)
	id, other := e.createServer(t, 0, 0), e.createServer(t, 0, 0)
	vol, otherVol := e.volume(id), e.volume(other)
	outside := t.TempDir()
	must(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("outside secret"), 0o644))
	must(t, os.WriteFile(filepath.Join(otherVol, "secret"), []byte("other server's secret"), 0o644))
	must(t, os.MkdirAll(filepath.Join(vol, "dir/sub"), 0o755))
	links := map[string]string{
		"etc":            "/etc",
		"passwd":         "/etc/passwd",
		"root":           "/",
		"other-abs":      otherVol,
		"other-rel":      "../" + other,
		"outside":        outside,
		"dir/up":         "../../" + other,
		"dir/sub/deeper": "../../../../../../../../etc",
		"chain":          "chain2",
		"chain2":         "dir/up",
		"loop":           "loop2",
		"loop2":          "loop",
		"dangling":       "../../does-not-exist",
	}
	var names []string
	for name, target := range links {
		must(t, os.Symlink(target, filepath.Join(vol, name)))
		names = append(names, strings.ReplaceAll(name, "/", "%2F"))
	}
	sort.Strings(names)
	corpus := hostilePaths(names)
	if len(corpus) < 100 {
		t.Fatalf("corpus has %d paths, want at least 100", len(corpus))
	}
	watched := []string{"/etc", outside, otherVol, filepath.Dir(vol)}
	before := snapshotTrees(t, watched)

	for _, p := range corpus {
		for _, verb := range []string{"GET", "PUT", "PUT?folder=true", "DELETE"} {
			method, query, _ := strings.Cut(verb, "?")
			if query != "" {
				query = "?" + query
			}
			var body io.Reader
			if method == http.MethodPut {
				body = strings.NewReader("pwned")
			}
			r := e.Do(t, method, fileURL(id, p)+query, e.admin, body, http.Header{"Content-Type": {"application/octet-stream"}})
			if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"ErrPathInvalid"`) {
				t.Errorf("%s %q: %d %s; want 400 ErrPathInvalid", verb, p, r.Status, r.Body)
			}
		}
	}
	if after := snapshotTrees(t, watched); after != before {
		t.Fatalf("something outside the volume changed")
	}
	// an inside link to an inside folder is followed
	must(t, os.Symlink("dir", filepath.Join(vol, "in")))
	if r := e.put(t, id, "in/via-link", "ok"); r.Status != http.StatusNoContent {
		t.Fatalf("write through an inside link: %d %s", r.Status, r.Body)
	}
	if b, err := os.ReadFile(filepath.Join(vol, "dir/via-link")); err != nil || string(b) != "ok" {
		t.Fatalf("inside link not followed: %q %v", b, err)
	}
}

// snapshotTrees describes the trees (names, modes, sizes, content hashes of small files);
// /etc is read one level deep.
func snapshotTrees(t *testing.T, roots []string) string {
	t.Helper()
	var b strings.Builder
	for _, root := range roots {
		_ = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
			if err != nil {
				return nil
			}
			if fi.IsDir() && root == "/etc" && p != root {
				return filepath.SkipDir
			}
			fmt.Fprintf(&b, "%s %v %d", p, fi.Mode(), fi.Size())
			if fi.Mode().IsRegular() && fi.Size() < 1<<20 {
				if data, err := os.ReadFile(p); err == nil {
					s := sha256.Sum256(data)
					b.WriteString(" " + hex.EncodeToString(s[:]))
				}
			}
			b.WriteString("\n")
			return nil
		})
	}
	return b.String()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestFilesInterruptedUpload(t *testing.T) {
	e := startFilesEnv(t)
	id := e.createServer(t, 0, 0)
	must(t, os.WriteFile(filepath.Join(e.volume(id), "kept"), []byte("old content"), 0o644))
	u, _ := url.Parse(e.URL)
	tests := []struct{ name, target, head, body string }{
		{"content-length, new file", "fresh.bin", "Content-Length: 10485760\r\n", strings.Repeat("x", 1<<20)},
		{"chunked, new file", "chunked.bin", "Transfer-Encoding: chunked\r\n", fmt.Sprintf("100000\r\n%s\r\n", strings.Repeat("y", 1<<20))},
		{"content-length, replacing", "kept", "Content-Length: 10485760\r\n", strings.Repeat("z", 1<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", u.Host)
			must(t, err)
			fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/octet-stream\r\n%s\r\n%s",
				fileURL(id, "up/"+tt.target), u.Host, e.admin, tt.head, tt.body)
			conn.Close() // the client vanishes mid-body
			if tt.target == "kept" {
				waitNoTemp(t, e.volume(id))
				if b, _ := os.ReadFile(filepath.Join(e.volume(id), "kept")); string(b) != "old content" {
					t.Fatalf("interrupted upload changed the file: %q", b)
				}
				return
			}
			waitGone(t, e.volume(id), tt.target)
		})
	}
}

func waitNoTemp(t *testing.T, dir string) { waitGone(t, dir, "\x00") }

func TestFilesDiskLimit(t *testing.T) {
	e := startFilesEnv(t)
	id := e.createServer(t, 1, 0) // 1 MiB
	vol := e.volume(id)
	// Content-Length over the limit: refused before the body is read (no 100 Continue).
	var read countingReader
	read.r = strings.NewReader(strings.Repeat("a", 2<<20))
	req, _ := http.NewRequest(http.MethodPut, e.URL+fileURL(id, "too-big"), &read)
	req.ContentLength = 2 << 20
	req.Header.Set("Authorization", "Bearer "+e.admin)
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Expect", "100-continue")
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ExpectContinueTimeout = filesWaitLimit
	c := &http.Client{Transport: apitest.NewTransport(t, tr)}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "ErrDiskLimit") || read.n != 0 {
		// read.n > 0: the body was read before the handler ran. server/validate.go must hide
		// streamed bodies from kin-openapi's security check (it io.ReadAll's every body).
		t.Fatalf("over-limit upload: %d %s, body bytes read before the refusal %d (want 0)", resp.StatusCode, body, read.n)
	}
	// without a length: cut off when it crosses the limit, nothing left
	resp, err = c.Do(chunkedPut(t, e, id, "chunked", 2<<20))
	if err == nil {
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "ErrDiskLimit") {
			t.Fatalf("over-limit chunked upload: %d %s", resp.StatusCode, body)
		}
	} // else: the server closed the connection while the client still sent: also refused
	waitGone(t, vol, "chunked")
	// within the limit, then replacing counts the old size once
	for i, size := range []int{700 << 10, 900 << 10} {
		if r := e.put(t, id, "fits", strings.Repeat("b", size)); r.Status != http.StatusNoContent {
			t.Fatalf("upload %d within the limit: %d %s", i, r.Status, r.Body)
		}
	}
	e.put(t, id, "second", strings.Repeat("c", 200<<10)).ExpectError(t, http.StatusRequestEntityTooLarge, "ErrDiskLimit")
	if r := e.Do(t, http.MethodDelete, fileURL(id, "fits"), e.admin, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d", r.Status)
	}
	if r := e.put(t, id, "second", strings.Repeat("c", 200<<10)); r.Status != http.StatusNoContent {
		t.Fatalf("upload after freeing space: %d %s", r.Status, r.Body)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func chunkedPut(t *testing.T, e *filesEnv, id, name string, size int) *http.Request {
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriter(pw)
		_, _ = w.WriteString(strings.Repeat("d", size))
		_ = w.Flush()
		_ = pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPut, e.URL+fileURL(id, name), pr)
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+e.admin)
	req.Header.Set("Content-Type", "application/octet-stream")
	t.Cleanup(func() { _ = pr.Close() })
	return req
}
