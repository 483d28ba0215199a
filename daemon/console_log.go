package daemon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
)

const (
	// consoleLogFile is each server's console history, beside its definition.
	consoleLogFile = "console.log"
	// consoleLogMinCap is the smallest size at which a console log is rewritten with the
	// ring's content; above it the cap is twice the ring's content at the last rewrite.
	consoleLogMinCap = 1 << 20
	// consoleLogQueue is how many batches (each the lines of one read of output) may wait for
	// the disk; past it a batch is left out of the log, never out of the ring.
	consoleLogQueue = 32
)

// consoleLog keeps a server's console history in <DataDir>/servers/<id>/console.log, one JSON
// object per line ({"cursor":…,"time":…,"text":"…"}), so it survives a daemon restart
// (graceful or kill -9: each batch is one write(2), no fsync; kill -9 loses only the batches
// still queued). It is bounded: past its cap the file is replaced (temp file + rename) by the
// ring's content.
//
// The disk is never on the console's output path: the ring queues each batch (enqueue, under
// its lock, never waiting) and the log's own goroutine (run, started by ring.restore, waited
// for by close) encodes and writes it. When the queue is full (a slow or hung disk) the batch
// is dropped from the log and counted, with one warning; the writer then rewrites the file from
// the ring, which heals the gap. When the disk fails it logs one warning and goes quiet: the
// console goes on in memory only.
type consoleLog struct {
	path   string
	minCap int64
	log    *slog.Logger

	// The producer's side, under the owning ring's lock.
	queue   chan logItem
	warned  bool         // the drop warning was logged
	dropped atomic.Int64 // lines left out of the log because the queue was full
	gap     atomic.Bool  // a batch was dropped: the writer rewrites the file from the ring
	dead    atomic.Bool  // failed or closed: nothing more is queued
	started bool
	done    chan struct{} // closed when run returns

	// The writer's side: openConsoleLog, then only run.
	ring *ring
	f    *os.File // nil once closed or failed
	size int64    // bytes in the file
	base int64    // bytes written by the last rewrite
	skip int64    // lines with a cursor ≤ skip are in the file already (a rewrite from the ring)
	buf  []byte   // encoding scratch
}

// logItem is one entry of a log's queue: a batch of lines, or (ack set) a flush marker closed
// once every earlier batch is written.
type logItem struct {
	lines *[]ConsoleLine // from batchPool
	ack   chan struct{}
}

// batchPool recycles the queued batches' slices across every server's log.
var batchPool = sync.Pool{New: func() any { return new([]ConsoleLine) }}

// openConsoleLog reads the newest (up to max) lines of the log at path and returns them with
// the log, rewritten to hold exactly those lines and open for appending once a ring starts it
// (ring.restore). A missing file is an empty history. When the file cannot be read or
// rewritten the log is returned failed (a warning is logged): appends are then ignored.
func openConsoleLog(path string, max int, minCap int64, log *slog.Logger) (*consoleLog, []ConsoleLine) {
	l := &consoleLog{path: path, minCap: minCap, log: log.With("path", path),
		queue: make(chan logItem, consoleLogQueue), done: make(chan struct{})}
	lines, err := readConsoleLog(path, max)
	if err != nil {
		l.fail("reading the console history", err)
		return l, nil
	}
	if err := l.rewrite(lines); err != nil {
		l.fail("rewriting the console history", err)
	}
	return l, lines
}

// consoleLogReadMax bounds what Load reads of a console log: its newest bytes (the file is
// far smaller unless the ring was made much bigger before).
const consoleLogReadMax = 64 << 20

// readConsoleLog returns the newest (up to max) well-formed lines of the log at path, oldest
// first. A line that does not decode (a torn last line after a crash mid-write) or whose cursor
// does not stay below the next line's is skipped. Only the lines kept are decoded.
func readConsoleLog(path string, max int) ([]ConsoleLine, error) {
	if max <= 0 {
		return nil, nil
	}
	data, err := readTail(path, consoleLogReadMax)
	if err != nil {
		return nil, err
	}
	var out []ConsoleLine // newest first
	next := int64(math.MaxInt64)
	end := bytes.LastIndexByte(data, '\n') // what follows it is torn
	for end >= 0 && len(out) < max {
		start := bytes.LastIndexByte(data[:end], '\n') + 1
		var l ConsoleLine
		if json.Unmarshal(data[start:end], &l) == nil && l.Cursor > 0 && l.Cursor < next {
			out = append(out, l)
			next = l.Cursor
		}
		end = start - 1
	}
	slices.Reverse(out)
	return out, nil
}

// readTail returns the last (up to limit) bytes of the file at path, from a line start; a
// missing file is empty.
func readTail(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open console log: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("console log: %w", err)
	}
	off := max(0, fi.Size()-limit)
	data := make([]byte, fi.Size()-off)
	n, err := f.ReadAt(data, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read console log: %w", err)
	}
	data = data[:n]
	if off > 0 { // drop the partial first line
		data = data[bytes.IndexByte(data, '\n')+1:]
	}
	return data, nil
}

// openConsole loads server s's console history into its ring and keeps appending to it.
func (m *Manager) openConsole(s *server) {
	l, lines := openConsoleLog(m.st.consoleLogPath(s.id), m.opts.ConsoleLines, consoleLogMinCap, m.log.With("server", s.id))
	s.ring.restore(lines, l)
}

// consoleLogPath is the console log of server id.
func (st store) consoleLogPath(id string) string {
	return filepath.Join(st.serverDir(id), consoleLogFile)
}
