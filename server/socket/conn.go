package socket

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// The server's data messages are encoded once per event as complete WebSocket frames and the
// same bytes are written to every socket that receives them (one encoding for N watchers, and
// one vectored write per batch instead of one write per line). coder/websocket still does the
// handshake, reads, control frames (ping, pong, close) and the close handshake: all its writes
// go through frameConn, under the same lock as the batches, and it writes only control frames
// (each complete in one Write, as it flushes its buffer after every frame), so frames never
// interleave.

// frameConn is the hijacked connection of a socket. Every write sets its own deadline
// (timeout from now), so a deadline is never left over for the next one.
type frameConn struct {
	net.Conn
	mu      sync.Mutex
	timeout time.Duration
}

// Write is coder/websocket's path (control frames).
func (c *frameConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(p)
}

// writeFrames writes complete frames in one system call where the connection allows it.
func (c *frameConn) writeFrames(bufs *net.Buffers, scratch *[]byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	if _, ok := c.Conn.(*net.TCPConn); ok {
		_, err := bufs.WriteTo(c.Conn) // writev
		return err
	}
	// TLS and others: one record for the batch rather than one per frame.
	b := (*scratch)[:0]
	for _, f := range *bufs {
		b = append(b, f...)
	}
	if cap(b) > 1<<18 {
		*scratch = nil // do not keep a large batch's buffer
	} else {
		*scratch = b
	}
	_, err := c.Conn.Write(b)
	return err
}

// hijackWriter hands coder/websocket a frameConn when it hijacks the connection.
type hijackWriter struct {
	http.ResponseWriter
	timeout time.Duration
	sndbuf  int // SO_SNDBUF when > 0
	conn    *frameConn
}

var _ http.Hijacker = (*hijackWriter)(nil)

func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("the response writer cannot hijack")
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil {
		_ = nc.Close()
		return nil, nil, err
	}
	_ = nc.SetDeadline(time.Time{})
	if tc, ok := nc.(*net.TCPConn); ok && w.sndbuf > 0 {
		_ = tc.SetWriteBuffer(w.sndbuf)
	}
	w.conn = &frameConn{Conn: nc, timeout: w.timeout}
	// Control frames are small: a small buffer that coder/websocket flushes after each.
	return w.conn, bufio.NewReadWriter(brw.Reader, bufio.NewWriterSize(w.conn, 512)), nil
}

// WriteHeaderNow forwards gin's eager header write (coder/websocket calls it after 101).
func (w *hijackWriter) WriteHeaderNow() {
	if x, ok := w.ResponseWriter.(interface{ WriteHeaderNow() }); ok {
		x.WriteHeaderNow()
	}
}

// maxHeader is the longest header of a server frame (no mask).
const maxHeader = 10

// appendHeader appends the header of an unmasked, final text frame of n payload bytes.
func appendHeader(dst []byte, n int) []byte {
	const finText = 0x81
	switch {
	case n < 126:
		return append(dst, finText, byte(n))
	case n <= 0xFFFF:
		return append(dst, finText, 126, byte(n>>8), byte(n))
	default:
		return append(dst, finText, 127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// appendTextFrame appends an unmasked, final text frame carrying payload.
func appendTextFrame(dst, payload []byte) []byte {
	return append(appendHeader(dst, len(payload)), payload...)
}

// appendJSONString appends s as a JSON string. Console lines are valid UTF-8 (the daemon
// guarantees it); invalid bytes would be replaced by the client's decoder, never break the
// framing. U+2028 and U+2029 are escaped like encoding/json does.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < 0x80 {
			i++
			continue
		}
		if c >= 0x80 {
			// U+2028/U+2029 are E2 80 A8 / E2 80 A9.
			if c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
				dst = append(dst, s[start:i]...)
				dst = append(dst, '\\', 'u', '2', '0', '2', hex[s[i+2]&0xF])
				i += 3
				start = i
				continue
			}
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
