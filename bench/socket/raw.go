package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// rawConn is the benchmark's lightweight client (-client raw): an RFC 6455 reader written
// for this measurement only, so that on a small machine the clients do not eat the CPU the
// server is measured with. It does the opening handshake by hand, reads unmasked server
// frames from a bufio.Reader without allocating, and answers pings.
type rawConn struct {
	c   net.Conn
	br  *bufio.Reader
	wmu sync.Mutex
}

func rawDial(ctx context.Context, base, server, token string) (*rawConn, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	var k [16]byte
	_, _ = rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	req := fmt.Sprintf("GET /api/servers/%s/socket HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\nAuthorization: Bearer %s\r\n\r\n", server, u.Host, key, token)
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(c, 64<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(h[:]) {
		c.Close()
		return nil, fmt.Errorf("handshake: %s", resp.Status)
	}
	return &rawConn{c: c, br: br}, nil
}

// next returns the payload of the next data message (valid until the following call).
func (r *rawConn) next(buf []byte) ([]byte, error) {
	for {
		h, err := r.br.Peek(2)
		if err != nil {
			return nil, err
		}
		op, n, hdr := h[0]&0x0F, int(h[1]&0x7F), 2
		if h[0]&0x80 == 0 || h[1]&0x80 != 0 {
			return nil, errors.New("fragmented or masked server frame")
		}
		switch n {
		case 126:
			if h, err = r.br.Peek(4); err != nil {
				return nil, err
			}
			n, hdr = int(binary.BigEndian.Uint16(h[2:])), 4
		case 127:
			if h, err = r.br.Peek(10); err != nil {
				return nil, err
			}
			n, hdr = int(binary.BigEndian.Uint64(h[2:])), 10
		}
		if _, err := r.br.Discard(hdr); err != nil {
			return nil, err
		}
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(r.br, buf); err != nil {
			return nil, err
		}
		switch op {
		case 0x1, 0x2:
			return buf, nil
		case 0x8:
			_ = r.control(0x8, buf)
			return nil, io.EOF
		case 0x9:
			if err := r.control(0xA, buf); err != nil {
				return nil, err
			}
		}
	}
}

// control writes a masked control frame (pong, close).
func (r *rawConn) control(op byte, p []byte) error {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	f := make([]byte, 0, 6+len(p))
	f = append(f, 0x80|op, 0x80|byte(len(p)), 0, 0, 0, 0) // zero mask key
	f = append(f, p...)
	_ = r.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := r.c.Write(f)
	return err
}

func (r *rawConn) Close() error { return r.c.Close() }
