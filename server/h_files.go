package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/skypanel/skypanel/apispec"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// folderListingCap is the page size of a folder listing without `limit`: the whole folder
// when it holds no more entries; past it metadata.paging.total tells the client to page on.
const folderListingCap = 1000

// GetServerFile lists a folder (JSON) or streams a file (Range, ETag, If-None-Match).
func (h *Handlers) GetServerFile(ctx context.Context, req gen.GetServerFileRequestObject) (gen.GetServerFileResponseObject, error) {
	s, nc, err := h.serverOnNode(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	page, limit := folderPage(req.Params.Page, req.Params.Limit)
	res, err := nc.ReadFile(ctx, s.ID, req.Path, page, limit)
	if err != nil {
		return nil, err
	}
	if res.File != nil {
		f := res.File
		return download{r: ginRequest(ctx), c: content{body: f.Body, size: f.Size, modTime: f.ModTime, etag: f.ETag}}, nil
	}
	return gen.GetServerFile200JSONResponse{Body: fileList(res.Listing, page, limit)}, nil
}

// ListServerRootFolder lists the root folder (GET .../file/, the path the docs' cURL uses).
func (h *Handlers) ListServerRootFolder(ctx context.Context, req gen.ListServerRootFolderRequestObject) (gen.ListServerRootFolderResponseObject, error) {
	s, nc, err := h.serverOnNode(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	page, limit := folderPage(req.Params.Page, req.Params.Limit)
	res, err := nc.ReadFile(ctx, s.ID, ".", page, limit)
	if err != nil {
		return nil, err
	}
	if res.File != nil { // cannot happen: the root is a folder
		res.File.Body.Close()
		return nil, errInternal(errors.New("the root of a server's folder is not a folder"))
	}
	return gen.ListServerRootFolder200JSONResponse{Body: fileList(res.Listing, page, limit)}, nil
}

// folderPage resolves page/limit of a folder listing: without limit a page holds
// folderListingCap entries.
func folderPage(page, limit *int) (p, l int) {
	p, l = pageOf(page, limit)
	if limit == nil {
		l = folderListingCap
	}
	return p, l
}

// fileList is the API form of one page of a folder.
func fileList(l *daemonapi.Listing, page, limit int) gen.FileList {
	out := gen.FileList{Files: make([]gen.FileEntry, 0, len(l.Entries)), Metadata: listMeta(page, limit, l.Total)}
	for _, e := range l.Entries {
		out.Files = append(out.Files, gen.FileEntry{Name: e.Name, Size: e.Size, Modified: e.Modified, IsFile: e.IsFile})
	}
	return out
}

// PutServerFile uploads a file (streamed; refused before reading when Content-Length passes
// the disk limit) or, with folder=true, creates a folder.
func (h *Handlers) PutServerFile(ctx context.Context, req gen.PutServerFileRequestObject) (gen.PutServerFileResponseObject, error) {
	s, nc, err := h.serverOnNode(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	if req.Params.Folder != nil && *req.Params.Folder {
		err = nc.MakeFolder(ctx, s.ID, req.Path)
	} else {
		size, body := int64(-1), req.Body
		if r := ginRequest(ctx); r != nil && r.ContentLength >= 0 {
			size = r.ContentLength
		}
		if body == nil {
			body = http.NoBody
		}
		err = nc.WriteFile(ctx, s.ID, req.Path, body, size)
	}
	if err != nil {
		return nil, err
	}
	return gen.PutServerFile204Response{}, nil
}

// DeleteServerFile removes a file or a folder recursively.
func (h *Handlers) DeleteServerFile(ctx context.Context, req gen.DeleteServerFileRequestObject) (gen.DeleteServerFileResponseObject, error) {
	s, nc, err := h.serverOnNode(ctx, req.ServerId)
	if err != nil {
		return nil, err
	}
	if err := nc.DeleteFile(ctx, s.ID, req.Path); err != nil {
		return nil, err
	}
	return gen.DeleteServerFile204Response{}, nil
}

// content is an open file to serve: an *os.File for the local node (sent with sendfile), a
// remote node's ranged reader otherwise.
type content struct {
	body        io.ReadSeekCloser
	size        int64
	modTime     time.Time
	etag        string // quoted strong validator
	disposition string // Content-Disposition, when set
}

// download writes a file response itself (the generated 200/206/304/416 responses cannot
// stream with sendfile nor answer conditional requests): the semantics of http.ServeContent
// for one range, with the spec's JSON error on 416.
type download struct {
	r *http.Request
	c content
}

func (d download) VisitGetServerFileResponse(w http.ResponseWriter) error  { return d.serve(w) }
func (d download) VisitDownloadBackupResponse(w http.ResponseWriter) error { return d.serve(w) }

func (d download) serve(w http.ResponseWriter) error {
	defer d.c.body.Close()
	hd := w.Header()
	hd.Set("ETag", d.c.etag)
	if inm := d.header("If-None-Match"); inm != "" && etagListMatch(inm, d.c.etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	hd.Set("Accept-Ranges", "bytes")
	hd.Set("Last-Modified", d.c.modTime.UTC().Format(http.TimeFormat))
	if d.c.disposition != "" {
		hd.Set("Content-Disposition", d.c.disposition)
	}
	start, length, status := int64(0), d.c.size, http.StatusOK
	if rg := d.header("Range"); rg != "" && d.ifRange() {
		s, n, ok, whole := parseRange(rg, d.c.size)
		switch {
		case whole:
		case !ok:
			return d.unsatisfiable(w)
		default:
			start, length, status = s, n, http.StatusPartialContent
			hd.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", s, s+n-1, d.c.size))
		}
	}
	if _, err := d.c.body.Seek(start, io.SeekStart); err != nil {
		return err
	}
	hd.Set("Content-Type", "application/octet-stream")
	hd.Set("Content-Length", strconv.FormatInt(length, 10))
	w.WriteHeader(status)
	// Once the status is sent an error cannot be reported: the short body tells the client.
	_, _ = io.CopyN(bodyWriter(w), d.c.body, length)
	return nil
}

func (d download) header(name string) string {
	if d.r == nil {
		return ""
	}
	return d.r.Header.Get(name)
}

// ifRange reports whether a Range applies (no If-Range, or it matches the current file).
func (d download) ifRange() bool {
	ir := d.header("If-Range")
	if ir == "" {
		return true
	}
	if strings.HasPrefix(ir, `"`) {
		return ir == d.c.etag
	}
	t, err := http.ParseTime(ir)
	return err == nil && t.Equal(d.c.modTime.UTC().Truncate(time.Second))
}

func (d download) unsatisfiable(w http.ResponseWriter) error {
	hd := w.Header()
	hd.Del("Accept-Ranges")
	hd.Del("Last-Modified")
	hd.Del("ETag")
	hd.Del("Content-Disposition")
	hd.Set("Content-Range", fmt.Sprintf("bytes */%d", d.c.size))
	hd.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
	return json.NewEncoder(w).Encode(apispec.Envelope{Error: apispec.EnvelopeBody{Code: CodeFieldInvalid,
		Msg: fmt.Sprintf("range not satisfiable: the file has %d bytes", d.c.size), Metadata: map[string]any{"field": "Range"}}})
}

// parseRange parses a Range header for a file of size bytes: one "bytes=" range gives its
// start and length (ok); a malformed or unsatisfiable one gives !ok; several ranges or another
// unit are ignored (whole: serve the whole file).
func parseRange(h string, size int64) (start, length int64, ok, whole bool) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found {
		return 0, 0, false, true
	}
	if strings.Contains(spec, ",") {
		return 0, 0, false, true
	}
	a, b, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, false
	}
	if a == "" { // suffix: the last b bytes
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 || size == 0 {
			return 0, 0, false, false
		}
		n = min(n, size)
		return size - n, n, true, false
	}
	s, err := strconv.ParseInt(a, 10, 64)
	if err != nil || s < 0 || s >= size {
		return 0, 0, false, false
	}
	end := size - 1
	if b != "" {
		e, err := strconv.ParseInt(b, 10, 64)
		if err != nil || e < s {
			return 0, 0, false, false
		}
		end = min(e, size-1)
	}
	return s, end - s + 1, true, false
}

// etagListMatch is the weak comparison of If-None-Match ("*" or a list of tags).
func etagListMatch(list, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// bodyWriter flushes the status and headers and returns the connection's own writer, so a
// file is sent with sendfile(2) (gin's writer does not implement io.ReaderFrom).
func bodyWriter(w http.ResponseWriter) io.Writer {
	if g, ok := w.(interface{ WriteHeaderNow() }); ok {
		g.WriteHeaderNow()
	}
	for {
		if _, ok := w.(io.ReaderFrom); ok {
			return w
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}
