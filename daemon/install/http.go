package install

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// response is an HTTP response whose body read is guarded by a watchdog: the request is
// cancelled when the headers take longer than HeaderTimeout or the body sends nothing for
// IdleTimeout. Close it.
type response struct {
	*http.Response
	ctx    context.Context
	cancel context.CancelCauseFunc
	timer  *time.Timer
	idle   time.Duration
	once   sync.Once
}

// get sends a GET for rawURL (after the mirrors) with the extra headers.
func (in *Installer) get(ctx context.Context, rawURL string, hdr http.Header) (*response, error) {
	u := in.cfg.rewrite(rawURL)
	parsed, err := url.Parse(u)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
		return nil, fmt.Errorf("%w: %q is not an http(s) URL", ErrInvalidPlan, u)
	}
	rctx, cancel := context.WithCancelCause(ctx)
	timer := time.AfterFunc(in.cfg.HeaderTimeout, func() {
		cancel(fmt.Errorf("%w: GET %s: no response within %s", ErrDownload, u, in.cfg.HeaderTimeout))
	})
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u, nil)
	if err != nil {
		timer.Stop()
		cancel(nil)
		return nil, fmt.Errorf("%w: %v", ErrInvalidPlan, err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", in.cfg.UserAgent)
	resp, err := in.client.Do(req)
	if err != nil {
		timer.Stop()
		err = causeOf(rctx, err)
		cancel(nil)
		if errors.Is(err, ErrDownload) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: GET %s: %w", ErrDownload, u, err)
	}
	r := &response{Response: resp, ctx: rctx, cancel: cancel, timer: timer, idle: in.cfg.IdleTimeout}
	timer.Stop()
	r.arm()
	return r, nil
}

// arm (re)starts the idle watchdog.
func (r *response) arm() {
	r.timer = time.AfterFunc(r.idle, func() {
		r.cancel(fmt.Errorf("%w: GET %s: no data for %s", ErrDownload, r.Request.URL, r.idle))
	})
}

// Read reads the body, feeding the watchdog; errors carry the cancellation cause.
func (r *response) Read(p []byte) (int, error) {
	n, err := r.Body.Read(p)
	if n > 0 {
		r.timer.Reset(r.idle)
	}
	if err != nil && err != io.EOF {
		err = causeOf(r.ctx, err)
		if !errors.Is(err, ErrDownload) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w: GET %s: %w", ErrDownload, r.Request.URL, err)
		}
	}
	return n, err
}

// Close stops the watchdog and closes the body.
func (r *response) Close() error {
	var err error
	r.once.Do(func() {
		r.timer.Stop()
		err = r.Body.Close()
		r.cancel(nil)
	})
	return err
}

// causeOf prefers the watchdog's cause (or the parent's cancellation) over the transport's
// generic error.
func causeOf(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	if c := context.Cause(ctx); c != nil && !errors.Is(c, context.Canceled) {
		return c
	}
	return fmt.Errorf("%w (%v)", ctx.Err(), err)
}

// statusError describes a non-success answer.
func statusError(r *response) error {
	return fmt.Errorf("%w: GET %s: %s", ErrDownload, r.Request.URL, r.Status)
}

// getJSON fetches a JSON document of at most MaxMetadataBytes into v and returns its bytes.
func (in *Installer) getJSON(ctx context.Context, rawURL string, v any) ([]byte, error) {
	r, err := in.get(ctx, rawURL, nil)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if r.StatusCode != http.StatusOK {
		return nil, statusError(r)
	}
	b, err := io.ReadAll(io.LimitReader(r, in.cfg.MaxMetadataBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > in.cfg.MaxMetadataBytes {
		return nil, fmt.Errorf("%w: GET %s: answer larger than %d bytes", ErrDownload, r.Request.URL, in.cfg.MaxMetadataBytes)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("%w: GET %s: malformed JSON: %v", ErrDownload, r.Request.URL, err)
	}
	return b, nil
}
