package multinode

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// panelRequest sends a request to the panel with the admin token (response validated against
// openapi.yaml) and returns the response with its body read.
func (cl *cluster) panelRequest(t *testing.T, method, path string, body io.Reader, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, cl.panel.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+cl.token)
	resp, err := httpClient(t).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp, b
}

// TestRemoteFiles: a file uploaded through the panel to a server on node a lands on node a
// and downloads whole, by Range (206) and conditionally (ETag → 304); the folder lists it.
func TestRemoteFiles(t *testing.T) {
	cl := newCluster(t)
	s := cl.create(t, "fa", cl.nodes[0])
	data := make([]byte, 3<<20+123)
	_, _ = rand.Read(data)
	path := "/api/servers/" + s.id + "/file/world/region.dat"
	octet := http.Header{"Content-Type": {"application/octet-stream"}}
	if resp, b := cl.panelRequest(t, http.MethodPut, path, bytes.NewReader(data), octet); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	onNode := filepath.Join(s.node.Dir, "volumes", s.id, "world", "region.dat")
	if st, err := os.Stat(onNode); err != nil || st.Size() != int64(len(data)) {
		t.Errorf("on node a: %s: %v %v, want %d bytes", onNode, st, err, len(data))
	}

	resp, got := cl.panelRequest(t, http.MethodGet, path, nil, nil)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, data) {
		t.Fatalf("download: %d, %d bytes (equal %v), want 200 and the %d bytes uploaded", resp.StatusCode, len(got), bytes.Equal(got, data), len(data))
	}
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("download headers: ETag %q, Accept-Ranges %q", etag, resp.Header.Get("Accept-Ranges"))
	}
	for _, r := range []struct {
		header     string
		start, end int // inclusive
	}{{"bytes=1000-1999", 1000, 1999}, {"bytes=-500", len(data) - 500, len(data) - 1}, {"bytes=3145700-", 3145700, len(data) - 1}} {
		resp, got := cl.panelRequest(t, http.MethodGet, path, nil, http.Header{"Range": {r.header}})
		if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(got, data[r.start:r.end+1]) {
			t.Errorf("Range %s: %d, %d bytes, want 206 and bytes %d-%d", r.header, resp.StatusCode, len(got), r.start, r.end)
		}
	}
	if resp, _ := cl.panelRequest(t, http.MethodGet, path, nil, http.Header{"Range": {"bytes=99999999-"}}); resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("unsatisfiable Range: %d, want 416", resp.StatusCode)
	}
	if resp, _ := cl.panelRequest(t, http.MethodGet, path, nil, http.Header{"If-None-Match": {etag}}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s: %d, want 304", etag, resp.StatusCode)
	}
	resp, list := cl.panelRequest(t, http.MethodGet, "/api/servers/"+s.id+"/file/world", nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(list), "region.dat") {
		t.Errorf("listing: %d %s", resp.StatusCode, list)
	}
	if resp, b := cl.panelRequest(t, http.MethodDelete, path, nil, nil); resp.StatusCode != http.StatusNoContent {
		t.Errorf("delete: %d %s", resp.StatusCode, b)
	}
	if resp, _ := cl.panelRequest(t, http.MethodGet, path, nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("download after delete: %d, want 404", resp.StatusCode)
	}
	s.remove(t)
}
