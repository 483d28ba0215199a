package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// histogram of delays: 50 µs buckets up to 500 ms, then the raw values.
type histogram struct {
	buckets [10000]int64
	over    []time.Duration
	n       int64
}

const bucket = 50 * time.Microsecond

func (h *histogram) add(d time.Duration) {
	h.n++
	if d < 0 {
		d = 0
	}
	if i := int(d / bucket); i < len(h.buckets) {
		h.buckets[i]++
		return
	}
	if len(h.over) < 1<<20 {
		h.over = append(h.over, d)
	}
}

func (h *histogram) merge(o *histogram) {
	h.n += o.n
	for i, c := range o.buckets {
		h.buckets[i] += c
	}
	h.over = append(h.over, o.over...)
}

// pct returns the p-th percentile (upper bucket edge).
func (h *histogram) pct(p float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(p / 100 * float64(h.n))
	var seen int64
	for i, c := range h.buckets {
		seen += c
		if seen > rank {
			return time.Duration(i+1) * bucket
		}
	}
	sort.Slice(h.over, func(i, j int) bool { return h.over[i] < h.over[j] })
	if k := int(rank - seen); k < len(h.over) {
		return h.over[k]
	}
	if len(h.over) > 0 {
		return h.over[len(h.over)-1]
	}
	return time.Duration(len(h.buckets)) * bucket
}

// window: lines written within [from, to] (unix ns) count; set once every socket is open.
var windowFrom, windowTo atomic.Int64

// reader is one benchmark socket.
type reader struct {
	conn    *websocket.Conn // -client coder
	raw     *rawConn        // -client raw
	closing atomic.Bool
	// results, owned by the reading goroutine until it returns
	lines          int64 // lines emitted in the window and received
	minSeq, maxSeq int64 // of those lines
	other          int64 // other messages (status, notices, errors)
	notices        int64
	hist           histogram
	err            error
}

// dial opens a socket with the token in the header. rcvbuf > 0 sets the receive buffer.
func dial(ctx context.Context, base, server, token string, rcvbuf int) (*websocket.Conn, error) {
	d := &net.Dialer{}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, c syscall.RawConn) error {
			return c.Control(func(fd uintptr) {
				_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
			})
		}
	}
	hc := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	c, _, err := websocket.Dial(ctx, base+"/api/servers/"+server+"/socket", &websocket.DialOptions{
		HTTPClient: hc, HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	return c, nil
}

// run reads until the connection closes, recording the delay of each line.
func (r *reader) run(wg *sync.WaitGroup) {
	defer wg.Done()
	r.minSeq = 1<<63 - 1
	buf := make([]byte, 0, 4096)
	for {
		msg, err := r.read(buf)
		if err != nil {
			if !r.closing.Load() {
				r.err = err
			}
			return
		}
		buf = msg[:0]
		now := time.Now().UnixNano()
		seq, t, ok := parseLine(msg)
		if !ok {
			r.other++
			if isNotice(msg) {
				r.notices++
			}
			continue
		}
		if t < windowFrom.Load() || t > windowTo.Load() {
			continue
		}
		r.lines++
		r.minSeq = min(r.minSeq, seq)
		r.maxSeq = max(r.maxSeq, seq)
		r.hist.add(time.Duration(now - t))
	}
}

// read returns the next message, reusing buf.
func (r *reader) read(buf []byte) ([]byte, error) {
	if r.raw != nil {
		return r.raw.next(buf)
	}
	_, rd, err := r.conn.Reader(context.Background())
	if err != nil {
		return nil, err
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (r *reader) close() {
	r.closing.Store(true)
	if r.raw != nil {
		_ = r.raw.Close()
		return
	}
	_ = r.conn.CloseNow()
}

func isNotice(b []byte) bool {
	return bytes.Contains(b, []byte("messages were dropped")) && bytes.Contains(b, []byte(`"type":"console"`))
}
