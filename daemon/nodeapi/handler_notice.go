package nodeapi

import (
	"context"
	"fmt"

	"github.com/skypanel/skypanel/gen/daemonapi"
)

// NoticeServer writes the panel's line to a server's console (Noticer).
func (s *strictServer) NoticeServer(ctx context.Context, req daemonapi.NoticeServerRequestObject) (daemonapi.NoticeServerResponseObject, error) {
	if req.Body.Text == "" {
		return nil, errFieldf("text is empty")
	}
	no, ok := s.node.(Noticer)
	if !ok {
		return nil, fmt.Errorf("%w: this node cannot write console notices", ErrInternal)
	}
	if err := no.Notice(ctx, req.Id, req.Body.Text); err != nil {
		return nil, err
	}
	return daemonapi.NoticeServer204Response{}, nil
}
