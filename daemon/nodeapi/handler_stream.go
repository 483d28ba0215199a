package nodeapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// TrailerArchiveSHA256 is the HTTP trailer (and, on import, the header) carrying the sha256 of
// a server archive.
const TrailerArchiveSHA256 = "X-Archive-Sha256"

func (s *strictServer) ReadFile(ctx context.Context, req daemonapi.ReadFileRequestObject) (daemonapi.ReadFileResponseObject, error) {
	page, limit := 1, 100
	if req.Params.Page != nil {
		page = *req.Params.Page
	}
	if req.Params.Limit != nil {
		limit = *req.Params.Limit
	}
	if page < 1 || limit < 1 || limit > 1000 {
		return nil, errFieldf("page must be ≥ 1 and limit within 1–1000")
	}
	res, err := s.node.ReadFile(ctx, req.Id, req.Params.Path, page, limit)
	if err != nil {
		return nil, err
	}
	if res.File != nil {
		return contentResponse{r: requestOf(ctx), c: res.File}, nil
	}
	if res.Listing == nil {
		return nil, errFieldf("path names neither a file nor a folder")
	}
	l := *res.Listing
	if l.Entries == nil {
		l.Entries = []daemonapi.Entry{}
	}
	return daemonapi.ReadFile200JSONResponse{Body: l}, nil
}

func (s *strictServer) DownloadBackup(ctx context.Context, req daemonapi.DownloadBackupRequestObject) (daemonapi.DownloadBackupResponseObject, error) {
	c, _, err := s.node.OpenBackup(ctx, req.Id, req.BackupId)
	if err != nil {
		return nil, err
	}
	return contentResponse{r: requestOf(ctx), c: c}, nil
}

// contentResponse serves a Content with http.ServeContent: Range, If-Range, If-None-Match and
// If-Modified-Since answered from the Content's ETag and ModTime, nothing buffered.
type contentResponse struct {
	r *http.Request
	c *Content
}

func (c contentResponse) serve(w http.ResponseWriter) error {
	defer c.c.Body.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	if c.c.ETag != "" {
		h.Set("ETag", c.c.ETag)
	}
	if c.r == nil { // not reached through Handler; serve the whole body
		w.WriteHeader(http.StatusOK)
		_, err := io.Copy(w, c.c.Body)
		return err
	}
	http.ServeContent(w, c.r, "", c.c.ModTime, c.c.Body)
	return nil
}

func (c contentResponse) VisitReadFileResponse(w http.ResponseWriter) error { return c.serve(w) }

func (c contentResponse) VisitDownloadBackupResponse(w http.ResponseWriter) error {
	return c.serve(w)
}

func (s *strictServer) WriteFile(ctx context.Context, req daemonapi.WriteFileRequestObject) (daemonapi.WriteFileResponseObject, error) {
	size := int64(-1)
	if r := requestOf(ctx); r != nil && r.ContentLength >= 0 {
		size = r.ContentLength
	}
	if err := s.node.WriteFile(ctx, req.Id, req.Params.Path, req.Body, size); err != nil {
		return nil, err
	}
	return daemonapi.WriteFile204Response{}, nil
}

func (s *strictServer) ImportServer(ctx context.Context, req daemonapi.ImportServerRequestObject) (daemonapi.ImportServerResponseObject, error) {
	var want string
	if req.Params.XArchiveSha256 != nil {
		want = *req.Params.XArchiveSha256
	}
	res, err := s.node.Import(ctx, req.Id, req.Body, want)
	if err != nil {
		return nil, err
	}
	return daemonapi.ImportServer200JSONResponse(res), nil
}

func (s *strictServer) ExportServer(ctx context.Context, req daemonapi.ExportServerRequestObject) (daemonapi.ExportServerResponseObject, error) {
	return exportResponse{ctx: ctx, node: s.node, id: req.Id, log: s.log}, nil
}

// exportResponse streams Node.Export. The status line is written with the first byte, so an
// error before any output (a running server, an unknown id) still gets its envelope; an error
// after it aborts the connection, so the client never mistakes a cut stream for a whole one.
// The sha256 follows as the trailer X-Archive-Sha256.
type exportResponse struct {
	ctx  context.Context
	node Node
	id   string
	log  *slog.Logger
}

func (e exportResponse) VisitExportServerResponse(w http.ResponseWriter) error {
	w.Header().Set("Trailer", TrailerArchiveSHA256)
	lw := &lazyWriter{w: w, contentType: "application/x-tar"}
	sum, err := e.node.Export(e.ctx, e.id, lw)
	if err != nil {
		if !lw.started {
			w.Header().Del("Trailer")
			return err
		}
		e.log.Warn("export broken", "server", e.id, "err", err)
		panic(http.ErrAbortHandler)
	}
	lw.start()
	w.Header().Set(TrailerArchiveSHA256, sum)
	return nil
}

// lazyWriter writes the 200 status line before its first byte.
type lazyWriter struct {
	w           http.ResponseWriter
	contentType string
	started     bool
}

func (l *lazyWriter) start() {
	if !l.started {
		l.started = true
		l.w.Header().Set("Content-Type", l.contentType)
		l.w.WriteHeader(http.StatusOK)
	}
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	l.start()
	return l.w.Write(p)
}
