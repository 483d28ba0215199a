package daemon

import (
	"fmt"
	"os"
)

// maxPooledBatch bounds the batch slices kept for reuse (a read of one-byte lines is huge).
const maxPooledBatch = 4096

// start runs the log's writer for ring r (whose lock the caller holds); close waits for it.
func (l *consoleLog) start(r *ring) {
	if l == nil || l.started {
		return
	}
	l.ring, l.started = r, true
	go l.run()
}

// enqueue hands a copy of lines to the writer without waiting; when the queue is full the
// batch is left out of the log (counted, one warning) and the writer heals the file from the
// ring once it has caught up. Called under the owning ring's lock.
func (l *consoleLog) enqueue(lines []ConsoleLine) {
	if l == nil || l.dead.Load() {
		return
	}
	p := batchPool.Get().(*[]ConsoleLine)
	*p = append((*p)[:0], lines...)
	select {
	case l.queue <- logItem{lines: p}:
		return
	default:
	}
	putBatch(p)
	l.dropped.Add(int64(len(lines)))
	l.gap.Store(true)
	if !l.warned {
		l.warned = true
		l.log.Warn("the disk does not keep up with this server's console: lines are left out of its console history until it does (the console itself loses none)")
	}
}

func putBatch(p *[]ConsoleLine) {
	clear(*p) // do not pin line strings
	if cap(*p) > maxPooledBatch {
		return
	}
	*p = (*p)[:0]
	batchPool.Put(p)
}

// close stops the log: the writer writes every batch queued so far, closes the file and
// returns; close waits for it. Later appends are ignored.
func (l *consoleLog) close() {
	if l == nil {
		return
	}
	l.dead.Store(true)
	if !l.started {
		l.closeFile()
		return
	}
	close(l.queue)
	<-l.done
}

// run is the writer: it writes the queued batches in order until the queue is closed.
func (l *consoleLog) run() {
	defer close(l.done)
	defer l.closeFile()
	for it := range l.queue {
		if it.lines != nil {
			l.write(*it.lines)
			putBatch(it.lines)
		}
		if len(l.queue) == 0 && l.gap.Swap(false) {
			l.compact() // caught up after a drop: the ring has what the file missed
		}
		if it.ack != nil {
			close(it.ack)
		}
	}
}

// write appends the lines the file does not have yet, and rewrites it past its cap.
func (l *consoleLog) write(lines []ConsoleLine) {
	for len(lines) > 0 && lines[0].Cursor <= l.skip {
		lines = lines[1:]
	}
	if len(lines) > 0 && l.append(lines) {
		l.compact()
	}
}

// append writes lines at the end of the log in one write; over is true when the log has now
// passed its cap and should be rewritten (compact).
func (l *consoleLog) append(lines []ConsoleLine) (over bool) {
	if l.f == nil {
		return false
	}
	n, err := l.f.Write(l.encode(lines))
	l.size += int64(n)
	l.trimBuf()
	if err != nil {
		l.fail("writing the console history", err)
		return false
	}
	return l.size > max(l.minCap, 2*l.base)
}

// compact rewrites the log with the ring's lines (past its cap, or to heal a gap); queued
// lines the rewrite already holds are skipped.
func (l *consoleLog) compact() {
	if l.f == nil {
		return
	}
	lines, _ := l.ring.since(0)
	if err := l.rewrite(lines); err != nil {
		l.fail("rewriting the console history", err)
		return
	}
	if n := len(lines); n > 0 {
		l.skip = max(l.skip, lines[n-1].Cursor)
	}
}

// rewrite replaces the file by lines (a temp file renamed over it) and keeps appending to it.
func (l *consoleLog) rewrite(lines []ConsoleLine) error {
	tmp := l.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create console log: %w", err)
	}
	if _, err = f.Write(l.encode(lines)); err == nil {
		err = os.Rename(tmp, l.path)
	}
	if err != nil {
		_ = f.Close()
		_ = os.Remove(tmp)
		return fmt.Errorf("write console log: %w", err)
	}
	if l.f != nil {
		_ = l.f.Close()
	}
	l.f, l.size, l.base = f, int64(len(l.buf)), int64(len(l.buf))
	l.trimBuf()
	return nil
}

// encode returns lines as the log stores them (one JSON object per line), in the scratch
// buffer.
func (l *consoleLog) encode(lines []ConsoleLine) []byte {
	l.buf = l.buf[:0]
	for _, line := range lines {
		l.buf = appendConsoleLine(l.buf, line)
	}
	return l.buf
}

// trimBuf drops a scratch buffer grown past what one read of output needs (a rewrite's, or a
// batch of escaped control bytes), so an idle server does not pin it.
func (l *consoleLog) trimBuf() {
	if cap(l.buf) > 2*readChunk {
		l.buf = nil
	}
}

// fail logs the one warning of this log and stops writing it; the writer goes on draining the
// queue until close.
func (l *consoleLog) fail(what string, err error) {
	l.log.Warn(what+" failed: this server's console is kept in memory only until the daemon restarts", "err", err)
	l.dead.Store(true)
	l.closeFile()
}

func (l *consoleLog) closeFile() {
	if l.f != nil {
		_ = l.f.Close()
		l.f = nil
	}
}
