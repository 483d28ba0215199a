package nodeapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

func TestHandlerReadFileHTTPSemantics(t *testing.T) {
	d := newTestDaemon(t, HandlerOptions{})
	d.node.servers["S"] = daemonapi.Definition{Id: "S"}
	content := bytes.Repeat([]byte("0123456789"), 100_000) // 1 MB
	d.node.files["big.bin"] = content
	const path = "/v1/servers/S/files?path=big.bin"

	full := d.do(t, "GET", path, nil, nil)
	body, _ := io.ReadAll(full.Body)
	full.Body.Close()
	etag, lastMod := full.Header.Get("ETag"), full.Header.Get("Last-Modified")
	if full.StatusCode != 200 || !bytes.Equal(body, content) || etag == "" || lastMod == "" ||
		full.Header.Get("Accept-Ranges") != "bytes" || full.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("full download: %d, %d bytes, headers %v", full.StatusCode, len(body), full.Header)
	}

	cases := []struct {
		name   string
		hdr    map[string]string
		status int
		want   []byte
	}{
		{"range at the end", map[string]string{"Range": "bytes=999990-"}, 206, content[999990:]},
		{"range in the middle", map[string]string{"Range": "bytes=10-19"}, 206, content[10:20]},
		{"if-none-match current", map[string]string{"If-None-Match": etag}, 304, nil},
		{"if-none-match stale", map[string]string{"If-None-Match": `"old"`}, 200, content},
		{"if-modified-since", map[string]string{"If-Modified-Since": lastMod}, 304, nil},
		{"if-range current", map[string]string{"Range": "bytes=0-4", "If-Range": etag}, 206, content[:5]},
		{"if-range stale", map[string]string{"Range": "bytes=0-4", "If-Range": `"old"`}, 200, content},
		{"range outside", map[string]string{"Range": "bytes=2000000-"}, 416, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := d.node.opened()
			resp := d.do(t, "GET", path, nil, tc.hdr)
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.want != nil && !bytes.Equal(got, tc.want) {
				t.Fatalf("body %d bytes, want %d", len(got), len(tc.want))
			}
			b := d.node.body(before)
			<-b.done // the handler closes every body it opened
			if tc.status == 206 && b.bytesRead() > int64(len(tc.want))+32<<10 {
				t.Errorf("a %d-byte range read %d bytes of the file (must seek, not read through)", len(tc.want), b.bytesRead())
			}
		})
	}

	missing := d.do(t, "GET", "/v1/servers/S/files?path=nope", nil, nil)
	if missing.StatusCode != 404 || envelope(t, missing) != "ErrFileNotFound" {
		t.Fatalf("missing file: %d", missing.StatusCode)
	}
}

func TestHandlerDownloadBackupRange(t *testing.T) {
	d := newTestDaemon(t, HandlerOptions{})
	d.node.servers["S"] = daemonapi.Definition{Id: "S"}
	d.node.files["backup-b1"] = []byte("archive bytes")
	resp := d.do(t, "GET", "/v1/servers/S/backups/b1/archive", nil, map[string]string{"Range": "bytes=8-"})
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 206 || string(got) != "bytes" || resp.Header.Get("ETag") == "" {
		t.Fatalf("backup range: %d %q %v", resp.StatusCode, got, resp.Header)
	}
}

// TestHandlerUploadStreams: the node reads the first 64 KiB of an upload while the client is
// still holding back the rest, so nothing buffers the body on the way.
func TestHandlerUploadStreams(t *testing.T) {
	d := newTestDaemon(t, HandlerOptions{})
	d.node.servers["S"] = daemonapi.Definition{Id: "S"}
	d.node.uploadGate = make(chan int, 1)
	pr, pw := io.Pipe()
	first := bytes.Repeat([]byte("a"), 64<<10)
	rest := bytes.Repeat([]byte("b"), 100)
	done := make(chan *http.Response, 1)
	go func() {
		done <- d.do(t, "PUT", "/v1/servers/S/files?path=up.bin", pr, map[string]string{"Content-Type": "application/octet-stream"})
	}()
	if _, err := pw.Write(first); err != nil {
		t.Fatal(err)
	}
	if n := <-d.node.uploadGate; n != len(first) {
		t.Fatalf("node read %d bytes first", n)
	}
	if _, err := pw.Write(rest); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	resp := <-done
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	if got := d.node.files["up.bin"]; len(got) != len(first)+len(rest) {
		t.Fatalf("stored %d bytes", len(got))
	}
	if size := d.node.writes["up.bin"]; size != -1 {
		t.Errorf("size of a chunked upload = %d, want -1", size)
	}
	// A known length is passed on.
	d.node.uploadGate = nil
	resp = d.do(t, "PUT", "/v1/servers/S/files?path=small", strings.NewReader("12345"), map[string]string{"Content-Type": "application/octet-stream"})
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || d.node.writes["small"] != 5 || string(d.node.files["small"]) != "12345" {
		t.Fatalf("upload with length: %d, size %d", resp.StatusCode, d.node.writes["small"])
	}
}

func TestHandlerExportTrailer(t *testing.T) {
	d := newTestDaemon(t, HandlerOptions{})
	d.node.servers["S"] = daemonapi.Definition{Id: "S"}
	d.node.exportBody = bytes.Repeat([]byte("tar!"), 50_000)
	resp := d.do(t, "GET", "/v1/servers/S/archive", nil, nil)
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-tar" {
		t.Fatalf("export: %v %d %v", err, resp.StatusCode, resp.Header)
	}
	sum := sha256.Sum256(got)
	if !bytes.Equal(got, d.node.exportBody) || resp.Trailer.Get(TrailerArchiveSHA256) != hex.EncodeToString(sum[:]) {
		t.Fatalf("export: %d bytes, trailer %q", len(got), resp.Trailer.Get(TrailerArchiveSHA256))
	}
}

func TestHandlerExportErrors(t *testing.T) {
	d := newTestDaemon(t, HandlerOptions{})
	one := 1
	d.node.servers["RUN"] = daemonapi.Definition{Id: "RUN", Port: &one} // the fake's "running"
	d.node.servers["S"] = daemonapi.Definition{Id: "S"}
	// An error before the first byte gets its envelope.
	resp := d.do(t, "GET", "/v1/servers/RUN/archive", nil, nil)
	if resp.StatusCode != http.StatusConflict || envelope(t, resp) != "ErrInvalidState" || resp.Header.Get("Trailer") != "" {
		t.Fatalf("export of a running server: %d %v", resp.StatusCode, resp.Header)
	}
	// An error mid-stream cuts the connection: the client sees a broken stream, no trailer.
	d.node.exportBody = bytes.Repeat([]byte("x"), 1<<20)
	d.node.exportFail = true
	resp = d.do(t, "GET", "/v1/servers/S/archive", nil, nil)
	_, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Fatal("a broken export read as a complete stream")
	}
	if resp.Trailer.Get(TrailerArchiveSHA256) != "" {
		t.Fatal("a broken export carried a checksum")
	}
}

func TestHandlerImport(t *testing.T) {
	d := newTestDaemon(t, HandlerOptions{})
	d.node.servers["S"] = daemonapi.Definition{Id: "S"}
	archive := bytes.Repeat([]byte("archive"), 10_000)
	sum := sha256.Sum256(archive)
	want := hex.EncodeToString(sum[:])
	r, err := d.api.ImportServerWithBodyWithResponse(context.Background(), "S",
		&daemonapi.ImportServerParams{XArchiveSha256: &want}, "application/x-tar", bytes.NewReader(archive))
	if err != nil || r.JSON200 == nil || r.JSON200.Sha256 != want || r.JSON200.Bytes != int64(len(archive)) {
		t.Fatalf("import: %v %s", err, r.Body)
	}
	wrongType := d.do(t, "PUT", "/v1/servers/S/archive", bytes.NewReader(archive), map[string]string{"Content-Type": "application/json"})
	if wrongType.StatusCode != http.StatusUnsupportedMediaType || envelope(t, wrongType) != "ErrUnsupportedMediaType" {
		t.Fatalf("import as JSON: %d", wrongType.StatusCode)
	}
}
