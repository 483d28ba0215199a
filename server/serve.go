package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Serve serves the API on ln until ctx ends, then shuts down gracefully within
// Config.ShutdownWait. TLS is used when TLSCert and TLSKey are set.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	errc := make(chan error, 1)
	go func() {
		var err error
		if a.cfg.TLSCert != "" || a.cfg.TLSKey != "" {
			err = srv.ServeTLS(ln, a.cfg.TLSCert, a.cfg.TLSKey)
		} else {
			err = srv.Serve(ln)
		}
		errc <- err
	}()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownWait)
	defer cancel()
	err := srv.Shutdown(sctx)
	// Shutdown does not touch hijacked connections: close the WebSockets (1001) ourselves.
	if cerr := a.CloseSockets(sctx); err == nil {
		err = cerr
	}
	if cerr := a.CloseTransfers(sctx); err == nil {
		err = cerr
	}
	<-errc //nolint:errcheck // Serve returns http.ErrServerClosed after Shutdown
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
