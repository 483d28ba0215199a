package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// metricsShutdownWait bounds the metrics server's graceful shutdown.
const metricsShutdownWait = 5 * time.Second

// registerMetrics adds the collectors of what the App was built from: the database pool,
// servers by state and (when the node finder counts them) nodes up.
func (a *App) registerMetrics(d Deps) {
	nodes, _ := d.Nodes.(NodeCounter)
	if d.Store == nil {
		a.metrics.registerState(nil, nil, nodes)
		return
	}
	a.metrics.registerState(d.Store.DB, d.Store.Client, nodes)
}

// MetricsHandler serves the App's metrics in the Prometheus exposition format (for a caller
// serving them itself; Open serves them on Config.MetricsListen).
func (a *App) MetricsHandler() http.Handler { return a.metrics.Handler() }

// openMetrics listens on Config.MetricsListen ("" = none) and serves GET /metrics there, in
// its own goroutine; it is the first thing Close stops.
func (p *Panel) openMetrics() error {
	if p.cfg.MetricsListen == "" {
		return nil
	}
	ln, err := net.Listen("tcp", p.cfg.MetricsListen)
	if err != nil {
		return fmt.Errorf("metrics: listen on %s: %w", p.cfg.MetricsListen, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", p.App.MetricsHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.log.Warn("metrics server stopped", "err", err)
		}
	}()
	p.metricsAddr = ln.Addr()
	p.closers = append(p.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), metricsShutdownWait)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	p.log.Info("metrics served", "url", "http://"+ln.Addr().String()+"/metrics")
	return nil
}

// MetricsAddr is the address /metrics is served on (nil: Config.MetricsListen is "").
func (p *Panel) MetricsAddr() net.Addr { return p.metricsAddr }
