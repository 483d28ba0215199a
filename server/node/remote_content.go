package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// rangeOpener issues a GET of the same resource with the given headers (Range, If-Range).
type rangeOpener func(ctx context.Context, hdr http.Header) (*http.Response, error)

// remoteBody is a Content.Body over HTTP: the first Read at offset 0 reads the body of the
// initial GET; a Seek elsewhere closes it, and the next Read asks for a Range from that offset
// (If-Range: the ETag, so a changed file is an error, never a mix of two versions). Only the
// first headLen bytes of the initial body are kept, so that http.ServeContent's content-type
// sniff (read 512 bytes, seek back to 0) costs no request; a range costs at most one.
type remoteBody struct {
	r      *Remote
	ctx    context.Context
	open   rangeOpener
	size   int64
	etag   string
	body   io.ReadCloser // current response body; nil when closed
	at     int64         // offset of the next byte of body
	pos    int64         // offset of the next Read
	closed bool
	head   []byte // the first bytes of the initial body (at most headLen), while it is read
	first  bool   // body is the initial GET's
}

// headLen is how much of the initial body is kept for a seek back to 0 (http's sniff length).
const headLen = 512

var _ io.ReadSeekCloser = (*remoteBody)(nil)

// contentOf wraps a 200 answer to a file or archive GET.
func (r *Remote) contentOf(ctx context.Context, resp *http.Response, open rangeOpener) (*nodeapi.Content, error) {
	if resp.ContentLength < 0 {
		resp.Body.Close()
		return nil, r.unavailable(fmt.Errorf("%w: a download without Content-Length", ErrProtocol))
	}
	c := &nodeapi.Content{Size: resp.ContentLength, ETag: resp.Header.Get("ETag")}
	if lm := resp.Header.Get("Last-Modified"); lm != "" {
		if t, err := http.ParseTime(lm); err == nil {
			c.ModTime = t
		}
	}
	c.Body = &remoteBody{r: r, ctx: ctx, open: open, size: c.Size, etag: c.ETag, body: resp.Body, first: true}
	return c, nil
}

func (b *remoteBody) Read(p []byte) (int, error) {
	if b.closed {
		return 0, fmt.Errorf("read: %w", errors.ErrUnsupported)
	}
	if b.pos >= b.size {
		return 0, io.EOF
	}
	if b.first && b.body != nil && b.pos < int64(len(b.head)) && b.at == int64(len(b.head)) {
		n := copy(p, b.head[b.pos:]) // a seek back into the kept head
		b.pos += int64(n)
		return n, nil
	}
	if b.body == nil || b.at != b.pos {
		if err := b.reopen(); err != nil {
			return 0, err
		}
	}
	if max := b.size - b.pos; int64(len(p)) > max {
		p = p[:max]
	}
	n, err := b.body.Read(p)
	if b.first && b.at < headLen {
		b.head = append(b.head, p[:min(int64(n), headLen-b.at)]...)
	}
	b.pos += int64(n)
	b.at += int64(n)
	if err == io.EOF && b.pos < b.size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil && err != io.EOF {
		return n, b.r.failed(b.ctx, err)
	}
	return n, err
}

// reopen replaces the body with a Range request starting at pos.
func (b *remoteBody) reopen() error {
	if b.body != nil {
		b.body.Close()
		b.body = nil
	}
	b.first, b.head = false, nil
	hdr := http.Header{}
	hdr.Set("Range", "bytes="+strconv.FormatInt(b.pos, 10)+"-")
	if b.etag != "" {
		hdr.Set("If-Range", b.etag)
	}
	resp, err := b.open(b.ctx, hdr)
	if err != nil {
		return b.r.failed(b.ctx, err)
	}
	if resp.StatusCode != http.StatusPartialContent {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK { // If-Range failed: the file changed
			return nodeapi.ErrorFor(daemonapi.DaemonErrorCodeErrFileConflict, "the file changed while it was read")
		}
		return b.r.errorOf(resp, body)
	}
	b.body, b.at = resp.Body, b.pos
	return nil
}

func (b *remoteBody) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = b.pos + offset
	case io.SeekEnd:
		abs = b.size + offset
	default:
		return 0, fmt.Errorf("seek: whence %d: %w", whence, errors.ErrUnsupported)
	}
	if abs < 0 {
		return 0, fmt.Errorf("seek to %d: negative position: %w", abs, errors.ErrUnsupported)
	}
	b.pos = abs
	return abs, nil
}

func (b *remoteBody) Close() error {
	b.closed = true
	if b.body != nil {
		err := b.body.Close()
		b.body = nil
		return err
	}
	return nil
}
