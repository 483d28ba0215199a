// Package installtest is a local HTTP server standing in for everything installations
// download, so install tests run offline: a Mojang-style version manifest with server jars
// (correct and wrong hashes and sizes, missing, slow and truncated downloads), a PaperMC-style
// downloads API (v2), the Terraria dedicated server zip, and plain files including archives
// (good ones, zip-slip and tar-slip ones, corrupt ones). Plain files support range requests
// and If-Range (ETag), for resumed downloads.
package installtest

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options configure the fixture.
type Options struct {
	// Jar is the Minecraft server jar served for every good Mojang version (default: filler bytes).
	Jar []byte
	// TerrariaServer is the content of 1449/Linux/TerrariaServer.bin.x86_64 in the Terraria zip
	// (default: a shell script printing "Terraria Server v1.4.4.9" and exiting on "exit").
	TerrariaServer []byte
}

// Request is one request the fixture received.
type Request struct {
	Path    string
	Range   string
	IfRange string
}

// Server is the running fixture; everything is closed in t.Cleanup.
type Server struct {
	URL               string
	MojangManifestURL string // …/mojang/version_manifest_v2.json
	PaperAPIURL       string // base of /v2/projects/…
	TerrariaURL       string // stands for https://terraria.org/ (mirror target, ends with /)
	Jar               []byte // Mojang jar of the good versions
	TerrariaZip       []byte

	mu    sync.Mutex
	files map[string][]byte // /files/<name>
	reqs  []Request
	done  chan struct{}
	srv   *httptest.Server
}

// Latest release and snapshot of the manifest.
const (
	LatestRelease  = "1.21.4"
	LatestSnapshot = "24w14a"
	PaperLatest    = "1.21.4"
	PaperBuild     = 100 // newest stable build of PaperLatest (101 is experimental)
)

// Start runs the fixture.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Jar == nil {
		opts.Jar = bytes.Repeat([]byte("fake minecraft server jar\n"), 2600) // ~66 KB
	}
	if opts.TerrariaServer == nil {
		opts.TerrariaServer = []byte(TerrariaScript)
	}
	s := &Server{Jar: opts.Jar, files: map[string][]byte{}, done: make(chan struct{})}
	s.TerrariaZip = Zip(
		File{Name: "1449/"},
		File{Name: "1449/Linux/TerrariaServer.bin.x86_64", Body: string(opts.TerrariaServer)},
		File{Name: "1449/Linux/lib64/libstub.so", Body: "not really a library"},
		File{Name: "1449/Windows/TerrariaServer.exe", Body: "MZ not really windows"},
	)
	for name, body := range defaultFiles() {
		s.files[name] = body
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	s.MojangManifestURL = s.URL + "/mojang/version_manifest_v2.json"
	s.PaperAPIURL = s.URL + "/paper"
	s.TerrariaURL = s.URL + "/terraria/"
	t.Cleanup(s.srv.Close)
	t.Cleanup(func() { close(s.done) }) // runs first: releases stalled handlers
	return s
}

// TerrariaScript is the default stand-in for the Terraria server binary.
const TerrariaScript = "#!/bin/sh\necho \"Terraria Server v1.4.4.9 $*\"\nwhile read -r line; do\n  [ \"$line\" = exit ] && { echo \"Saving world...\"; exit 0; }\ndone\n"

// Put serves body at /files/<name> (replacing what was there).
func (s *Server) Put(name string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[name] = body
}

// File returns what /files/<name> serves.
func (s *Server) File(name string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.files[name]
}

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Hits counts the requests for path.
func (s *Server) Hits(path string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.reqs = append(s.reqs, Request{Path: r.URL.Path, Range: r.Header.Get("Range"), IfRange: r.Header.Get("If-Range")})
	s.mu.Unlock()
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/mojang/"):
		s.mojang(w, r, strings.TrimPrefix(p, "/mojang/"))
	case strings.HasPrefix(p, "/paper/v2/projects/"):
		s.paper(w, r, strings.TrimPrefix(p, "/paper/v2/projects/"))
	case p == "/terraria/api/download/pc-dedicated-server/terraria-server-1449.zip":
		s.content(w, r, "terraria-server-1449.zip", s.TerrariaZip)
	case strings.HasPrefix(p, "/files/"):
		name := strings.TrimPrefix(p, "/files/")
		body, ok := s.lookup(name)
		if !ok {
			http.NotFound(w, r)
			return
		}
		s.content(w, r, name, body)
	case strings.HasPrefix(p, "/slow/"):
		body, _ := s.lookup(strings.TrimPrefix(p, "/slow/"))
		s.stall(w, r, body)
	case strings.HasPrefix(p, "/chunked/"):
		body, _ := s.lookup(strings.TrimPrefix(p, "/chunked/"))
		chunked(w, body)
	case strings.HasPrefix(p, "/truncated/"):
		body, _ := s.lookup(strings.TrimPrefix(p, "/truncated/"))
		truncate(w, body)
	case p == "/hang":
		select { // never answers
		case <-r.Context().Done():
		case <-s.done:
		}
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) lookup(name string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.files[name]
	return b, ok
}

// content serves body with an ETag (range requests and If-Range work).
func (s *Server) content(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	w.Header().Set("ETag", ETag(body))
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
}

// stall announces body (with its ETag), sends half of it and then nothing until the client
// gives up. A range request (a resumed download) is answered normally.
func (s *Server) stall(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Header.Get("Range") != "" {
		s.content(w, r, "body", body)
		return
	}
	w.Header().Set("ETag", ETag(body))
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	_, _ = w.Write(body[:len(body)/2])
	w.(http.Flusher).Flush()
	select {
	case <-r.Context().Done():
	case <-s.done:
	}
}

// chunked sends body without announcing its length, 64 KiB per flush.
func chunked(w http.ResponseWriter, body []byte) {
	for len(body) > 0 {
		n := min(len(body), 64<<10)
		if _, err := w.Write(body[:n]); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		body = body[n:]
	}
}

// truncate announces body, sends half of it and drops the connection.
func truncate(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	_, _ = w.Write(body[:len(body)/2])
	w.(http.Flusher).Flush()
	panic(http.ErrAbortHandler)
}

// ETag is the entity tag served with body.
func ETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}

// SHA256 returns the hex SHA-256 of b.
func SHA256(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// SHA1 returns the hex SHA-1 of b.
func SHA1(b []byte) string { s := sha1.Sum(b); return hex.EncodeToString(s[:]) }
