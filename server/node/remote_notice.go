package node

import (
	"context"
	"net/http"

	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

var _ nodeapi.Noticer = (*Remote)(nil)

// Notice writes the panel's line to a server's console on the node (noticeServer): a
// transfer's start and outcome.
func (r *Remote) Notice(ctx context.Context, id, text string) error {
	resp, err := r.api.NoticeServerWithResponse(ctx, id, daemonapi.NoticeRequest{Text: text})
	if err != nil {
		return r.failed(ctx, err)
	}
	return r.status(resp.HTTPResponse, resp.Body, http.StatusNoContent)
}
