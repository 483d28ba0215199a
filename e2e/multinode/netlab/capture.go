package netlab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/skypanel/skypanel/api"
)

// CaptureTokens collects n node tokens the panel minted for node d (which it never received,
// so each is still valid there once): d's private address is pointed at a listener of the lab
// (PUT /api/nodes/{id}), the panel is made to call the node (GET /api/nodes/{id}/system, and
// its own health polls) until n bearer tokens arrived or ctx ends, then the address is
// restored. The caller waits for the panel to reach the node again.
func (l *Lab) CaptureTokens(ctx context.Context, c *api.ClientWithResponses, d *Daemon, n int) ([]string, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(l.Panel.String(), "0"))
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	var tokens []string
	got := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && len(tokens) < n {
			tokens = append(tokens, tok)
			if len(tokens) == n {
				close(got)
			}
		}
		mu.Unlock()
		http.Error(w, "captured", http.StatusServiceUnavailable)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	if err := MoveNode(ctx, c, d.NodeID, l.Panel.String(), ln.Addr().(*net.TCPAddr).Port); err != nil {
		return nil, err
	}
	waitErr := func() error {
		for {
			_, _ = c.GetNodeSystemWithResponse(ctx, d.NodeID) // 503 (the listener's answer)
			select {
			case <-got:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	restore := MoveNode(context.WithoutCancel(ctx), c, d.NodeID, d.Node.Addr.String(), NodePort)
	mu.Lock()
	defer mu.Unlock()
	if err := errors.Join(restore, waitErr); err != nil {
		return nil, fmt.Errorf("capture %d tokens of node %d (got %d): %w", n, d.NodeID, len(tokens), err)
	}
	return tokens, nil
}

// MoveNode sets node id's private address (PUT /api/nodes/{id}, 204).
func MoveNode(ctx context.Context, c *api.ClientWithResponses, id int64, host string, port int) error {
	resp, err := c.UpdateNodeWithResponse(ctx, id, api.NodeUpdate{PrivateHost: &host, PrivatePort: &port})
	if err != nil {
		return fmt.Errorf("PUT /api/nodes/%d: %w", id, err)
	}
	if resp.StatusCode() != http.StatusNoContent {
		return fmt.Errorf("PUT /api/nodes/%d: %s %s", id, resp.Status(), resp.Body)
	}
	return nil
}
