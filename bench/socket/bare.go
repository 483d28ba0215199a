package main

import (
	"context"
	"encoding/json"
	"flag"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// bare is the baseline child: a minimal coder/websocket server with no panel, no daemon and
// no authentication, generating the same lines in process and broadcasting them to every
// socket (a 4096-message channel per socket, one conn.Write per line, drop when full).
func bare(args []string) error {
	fs := flag.NewFlagSet("bare", flag.ContinueOnError)
	rate := fs.Int("rate", 50000, "lines per second")
	size := fs.Int("bytes", 100, "line length")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	b := &broadcaster{subs: map[chan []byte]struct{}{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(b.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go b.generate(ctx, *rate, *size)
	if err := json.NewEncoder(os.Stdout).Encode(ready{URL: "http://" + ln.Addr().String(), Server: serverID}); err != nil {
		return err
	}
	<-ctx.Done()
	return srv.Close()
}

type broadcaster struct {
	mu   sync.Mutex
	subs map[chan []byte]struct{}
}

func (b *broadcaster) serve(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	ch := make(chan []byte, 4096)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.subs, ch)
		b.mu.Unlock()
	}()
	ctx := c.CloseRead(context.Background())
	for {
		select {
		case msg := <-ch:
			if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

func (b *broadcaster) generate(ctx context.Context, rate, size int) {
	pad := strings.Repeat(".", max(0, size-60))
	start := time.Now()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var seq int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		due := int64(time.Since(start).Seconds() * float64(rate))
		for ; seq < due; seq++ {
			line := "[12:00:00] [Server thread/INFO]: seq=" + strconv.FormatInt(seq, 10) + " t=" +
				strconv.FormatInt(time.Now().UnixNano(), 10) + " " + pad
			msg, _ := json.Marshal(struct {
				Type string `json:"type"`
				Data string `json:"data"`
			}{"console", line})
			b.mu.Lock()
			for ch := range b.subs {
				select {
				case ch <- msg:
				default:
				}
			}
			b.mu.Unlock()
		}
	}
}
