package node

import (
	"context"
	"io"
	"mime"
	"net/http"

	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// ReadFile opens the file at path (a lazy, seekable body; see remoteBody) or lists one page
// of the folder at path.
func (r *Remote) ReadFile(ctx context.Context, id, path string, page, limit int) (nodeapi.FileResult, error) {
	params := &daemonapi.ReadFileParams{Path: path, Page: &page, Limit: &limit}
	resp, err := r.raw.ReadFile(ctx, id, params)
	if err != nil {
		return nodeapi.FileResult{}, r.failed(ctx, err)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode == http.StatusOK && mt == "application/octet-stream" {
		open := func(ctx context.Context, hdr http.Header) (*http.Response, error) {
			return r.raw.ReadFile(ctx, id, &daemonapi.ReadFileParams{Path: path}, withHeaders(hdr))
		}
		c, err := r.contentOf(ctx, resp, open)
		if err != nil {
			return nodeapi.FileResult{}, err
		}
		return nodeapi.FileResult{File: c}, nil
	}
	parsed, err := daemonapi.ParseReadFileResponse(resp)
	if err != nil {
		return nodeapi.FileResult{}, r.failed(ctx, err)
	}
	l, err := value(r, parsed.HTTPResponse, parsed.Body, http.StatusOK, parsed.JSON200)
	if err != nil {
		return nodeapi.FileResult{}, err
	}
	return nodeapi.FileResult{Listing: &l}, nil
}

// withHeaders sets hdr on a request.
func withHeaders(hdr http.Header) daemonapi.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		for k, v := range hdr {
			req.Header[k] = v
		}
		return nil
	}
}

// WriteFile streams body to path; size ≥ 0 is sent as Content-Length (the node refuses a
// file over the disk limit before reading it), -1 streams chunked.
func (r *Remote) WriteFile(ctx context.Context, id, path string, body io.Reader, size int64) error {
	sized := func(_ context.Context, req *http.Request) error {
		if size == 0 {
			req.Body, req.GetBody = http.NoBody, nil
		}
		req.ContentLength = size // -1: unknown, sent chunked
		return nil
	}
	resp, err := r.raw.WriteFileWithBody(long(ctx), id, &daemonapi.WriteFileParams{Path: path},
		"application/octet-stream", body, sized)
	if err != nil {
		return r.failed(ctx, err)
	}
	parsed, err := daemonapi.ParseWriteFileResponse(resp)
	if err != nil {
		return r.failed(ctx, err)
	}
	return r.status(parsed.HTTPResponse, parsed.Body, http.StatusNoContent)
}

// MakeFolder creates a folder and its parents.
func (r *Remote) MakeFolder(ctx context.Context, id, path string) error {
	resp, err := r.api.MakeFolderWithResponse(ctx, id, &daemonapi.MakeFolderParams{Path: path})
	if err != nil {
		return r.failed(ctx, err)
	}
	return r.status(resp.HTTPResponse, resp.Body, http.StatusNoContent)
}

// DeleteFile removes a file or a folder with its content.
func (r *Remote) DeleteFile(ctx context.Context, id, path string) error {
	resp, err := r.api.DeleteFileWithResponse(long(ctx), id, &daemonapi.DeleteFileParams{Path: path})
	if err != nil {
		return r.failed(ctx, err)
	}
	return r.status(resp.HTTPResponse, resp.Body, http.StatusNoContent)
}
