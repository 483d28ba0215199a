package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// download is one timed download.
type download struct {
	bytes   int64
	elapsed time.Duration
}

// mbps is the download's rate in MB/s (10^6 bytes).
func (d download) mbps() float64 { return float64(d.bytes) / 1e6 / d.elapsed.Seconds() }

// benchDownload uploads a file of mib MiB to a server of the remote node, then downloads it
// runs times through the panel and runs times straight from the daemon (a token the panel
// minted for the node, one per request: the daemon refuses a replayed one), interleaved.
func benchDownload(ctx context.Context, e *env, mib, runs int) (viaPanel, direct []download, err error) {
	id := "dl-" + e.run
	if err := e.create(ctx, id, e.daemon.NodeID, "echo ready"); err != nil {
		return nil, nil, err
	}
	size := int64(mib) << 20
	if err := upload(ctx, e, id, size); err != nil {
		return nil, nil, err
	}
	tctx, cancel := context.WithTimeout(ctx, deadline)
	tokens, err := e.lab.CaptureTokens(tctx, e.c, e.daemon, runs+1)
	cancel()
	if err != nil {
		return nil, nil, err
	}
	if err := e.waitNode(ctx); err != nil {
		return nil, nil, err
	}
	panelURL := e.panel.URL + "/api/servers/" + id + "/file/big.bin"
	nodeURL := "http://" + e.daemon.Addr + "/v1/servers/" + id + "/files?path=" + url.QueryEscape("big.bin")
	for i := range runs + 1 {
		p, err := get(ctx, e.hc, panelURL, e.token, size)
		if err != nil {
			return nil, nil, err
		}
		d, err := get(ctx, e.hc, nodeURL, tokens[i], size)
		if err != nil {
			return nil, nil, err
		}
		if i == 0 {
			continue // warm-up
		}
		viaPanel, direct = append(viaPanel, p), append(direct, d)
	}
	return viaPanel, direct, nil
}

// upload stores size bytes (a random MiB repeated) as big.bin through the panel.
func upload(ctx context.Context, e *env, id string, size int64) error {
	block := make([]byte, 1<<20)
	_, _ = rand.Read(block)
	body := io.LimitReader(&repeat{b: block}, size)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, e.panel.URL+"/api/servers/"+id+"/file/big.bin", body)
	if err != nil {
		return err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := e.hc.Do(req)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("upload: %s %s", resp.Status, b)
	}
	return nil
}

// repeat reads b over and over.
type repeat struct {
	b   []byte
	off int
}

func (r *repeat) Read(p []byte) (int, error) {
	n := copy(p, r.b[r.off:])
	r.off = (r.off + n) % len(r.b)
	return n, nil
}

// get downloads u with bearer token tok, discarding the body, and checks its size.
func get(ctx context.Context, hc *http.Client, u, tok string, size int64) (download, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return download{}, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	t0 := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return download{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return download{}, fmt.Errorf("GET %s: %s %s", u, resp.Status, b)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	d := download{bytes: n, elapsed: time.Since(t0)}
	if err == nil && n != size {
		err = fmt.Errorf("GET %s: %d bytes, want %d", u, n, size)
	}
	return d, err
}
