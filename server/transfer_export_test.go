package server

import "context"

// HoldTransfer marks server id as being transferred until release is called (tests of the
// busy rule without a second node).
func (a *App) HoldTransfer(id string) (release func(), ok bool) {
	done := make(chan struct{})
	ok = a.xfer.start(id, func(ctx context.Context) {
		select {
		case <-done:
		case <-ctx.Done():
		}
	})
	return func() { close(done) }, ok
}
