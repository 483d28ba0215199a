package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"

	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// Export streams a stopped server's archive into w and returns its sha256: the node's
// X-Archive-Sha256 trailer, checked against what was received. A stream cut short is the node
// being unavailable; an error writing to w is returned as it is.
func (r *Remote) Export(ctx context.Context, id string, w io.Writer) (string, error) {
	resp, err := r.raw.ExportServer(long(ctx), id)
	if err != nil {
		return "", r.failed(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		parsed, err := daemonapi.ParseExportServerResponse(resp)
		if err != nil {
			return "", r.failed(ctx, err)
		}
		return "", r.status(parsed.HTTPResponse, parsed.Body, http.StatusOK)
	}
	h := sha256.New()
	src := &readErr{r: io.TeeReader(resp.Body, h)}
	if _, err := io.Copy(w, src); err != nil {
		if src.err != nil {
			return "", r.failed(ctx, src.err)
		}
		return "", fmt.Errorf("export %s: %w", id, err)
	}
	got := hex.EncodeToString(h.Sum(nil))
	want := resp.Trailer.Get(nodeapi.TrailerArchiveSHA256)
	if want == "" {
		return "", r.unavailable(fmt.Errorf("%w: the archive came without its %s trailer", ErrProtocol, nodeapi.TrailerArchiveSHA256))
	}
	if want != got {
		return "", fmt.Errorf("%w: the node sent sha256 %s, the panel received %s", nodeapi.ErrChecksumMismatch, want, got)
	}
	return got, nil
}

// readErr remembers a read error, to tell one side's failures from the other's.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// Import streams an export archive into a newly created server; expectSHA (hex, optional) is
// checked by the node before anything is moved in place.
func (r *Remote) Import(ctx context.Context, id string, body io.Reader, expectSHA string) (daemonapi.ImportResult, error) {
	params := &daemonapi.ImportServerParams{}
	if expectSHA != "" {
		params.XArchiveSha256 = &expectSHA
	}
	src := &readErr{r: body}
	resp, err := r.api.ImportServerWithBodyWithResponse(long(ctx), id, params, "application/x-tar", src)
	if err != nil {
		if src.err != nil { // the source failed, not this node
			return daemonapi.ImportResult{}, fmt.Errorf("import %s: reading the archive: %w", id, src.err)
		}
		return daemonapi.ImportResult{}, r.failed(ctx, err)
	}
	return value(r, resp.HTTPResponse, resp.Body, http.StatusOK, resp.JSON200)
}
