package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// emit is the benchmark's game: once it reads "go" on stdin (a console command, sent when
// every socket is open) it prints rate lines per second on stdout, each carrying its
// sequence number and the wall-clock time it was written (unix nanoseconds), padded to about
// size bytes like a game's log line. It exits on "stop" (the daemon's stop command).
func emit(args []string) error {
	fs := flag.NewFlagSet("emit", flag.ContinueOnError)
	rate := fs.Int("rate", 50000, "lines per second")
	size := fs.Int("bytes", 100, "approximate line length")
	if err := fs.Parse(args); err != nil {
		return err
	}
	started := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			switch strings.TrimSpace(sc.Text()) {
			case "stop":
				os.Exit(0)
			case "go":
				close(started)
			}
		}
	}()
	fmt.Println("ready: send go")
	<-started
	w := bufio.NewWriterSize(os.Stdout, 256<<10)
	pad := strings.Repeat(".", max(0, *size-60))
	start := time.Now()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var seq int64
	var line []byte
	for range tick.C {
		due := int64(time.Since(start).Seconds() * float64(*rate))
		for ; seq < due; seq++ {
			line = line[:0]
			line = append(line, "[12:00:00] [Server thread/INFO]: seq="...)
			line = strconv.AppendInt(line, seq, 10)
			line = append(line, " t="...)
			line = strconv.AppendInt(line, time.Now().UnixNano(), 10)
			line = append(line, ' ')
			line = append(line, pad...)
			line = append(line, '\n')
			if _, err := w.Write(line); err != nil {
				return err
			}
		}
		if err := w.Flush(); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	return nil
}

// parseLine extracts seq and t from an emitted line inside a JSON message (the line has no
// characters that JSON escapes). ok is false for any other message.
func parseLine(msg []byte) (seq, t int64, ok bool) {
	const prefix = `{"type":"console","data":"`
	if len(msg) < len(prefix) || string(msg[:len(prefix)]) != prefix {
		return 0, 0, false
	}
	seq, rest, ok := numberAfter(msg[len(prefix):], "seq=")
	if !ok {
		return 0, 0, false
	}
	t, _, ok = numberAfter(rest, "t=")
	return seq, t, ok
}

func numberAfter(b []byte, key string) (int64, []byte, bool) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, nil, false
	}
	b = b[i+len(key):]
	var n int64
	j := 0
	for ; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
		n = n*10 + int64(b[j]-'0')
	}
	return n, b[j:], j > 0
}
