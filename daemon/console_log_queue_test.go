package daemon

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// syncLog waits until the ring's log has written every batch queued so far (and healed the
// file after a drop).
func (r *ring) syncLog() {
	r.mu.Lock()
	l := r.log
	r.mu.Unlock()
	if l == nil {
		return
	}
	ack := make(chan struct{})
	l.queue <- logItem{ack: ack}
	<-ack
}

// TestConsoleLogBlockedDisk: while the disk does not take the log's writes (its file is a fifo
// nobody reads: write(2) blocks), the ring and a subscriber still get every line and adding
// lines never waits; the log drops batches once its queue is full, counts them and warns once.
// When the disk comes back the file is healed from the ring: it holds the ring's lines again.
func TestConsoleLogBlockedDisk(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, consoleLogFile)
	log, warns := newWarnCounter(t)
	l, _ := openConsoleLog(path, 100, consoleLogMinCap, log)
	fifo := filepath.Join(dir, "stuck-disk")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	stuck, err := os.OpenFile(fifo, os.O_RDWR, 0) // opens at once; writes block when the pipe is full
	if err != nil {
		t.Fatal(err)
	}
	fillPipe(t, fifo) // so the writer's first write blocks: no batch reaches the "disk" until it comes back
	_ = l.f.Close()
	l.f = stuck
	clock := newFakeClock()
	h := newHub(clock.Now)
	r := newRing(100, clock.Now, h)
	r.restore(nil, l)
	defer r.closeLog()
	const batchLines, maxBatches = 10, 2000
	sub, _ := subscribeRing(r, batchLines*maxBatches, identity)
	defer sub.Close()

	var want []string
	add := func() {
		batch := make([]string, batchLines)
		for i := range batch {
			batch[i] = fmt.Sprintf("line %06d %s", len(want), strings.Repeat("x", 100))
			want = append(want, batch[i])
		}
		r.addBatch(batch) // a blocked disk here would hang the test
	}
	for len(want) < batchLines*maxBatches && l.dropped.Load() == 0 {
		add()
	}
	if l.dropped.Load() == 0 {
		t.Fatalf("%d lines and no batch dropped: the writer is not blocked?", len(want))
	}
	for range 10 { // and it goes on
		add()
	}
	for i, w := range want {
		if ev := <-sub.C(); ev.Kind != EventConsole || ev.Line.Text != w {
			t.Fatalf("event %d: %+v, want line %q", i, ev, w)
		}
	}
	ring, _ := r.since(0)
	if !slices.Equal(texts(ring), want[len(want)-100:]) {
		t.Fatalf("ring %v", texts(ring))
	}
	if n := warns.Load(); n != 1 {
		t.Fatalf("%d warnings, want 1", n)
	}

	drained := make(chan error, 1)
	go func() { // the disk comes back
		rd, err := os.Open(fifo)
		if err == nil {
			_, err = io.Copy(io.Discard, rd)
			_ = rd.Close()
		}
		drained <- err
	}()
	r.syncLog()
	onDisk, err := readConsoleLog(path, 1000)
	if err != nil || !slices.Equal(onDisk, ring) {
		t.Fatalf("healed file (%v): %d lines, ring %d (first %v, ring's first %v)", err, len(onDisk), len(ring), onDisk[:min(1, len(onDisk))], ring[0])
	}
	if err := <-drained; err != nil { // the rewrite closed the fifo
		t.Fatal(err)
	}
	add()
	r.syncLog()
	if onDisk, err := readConsoleLog(path, 1000); err != nil || onDisk[len(onDisk)-1].Text != want[len(want)-1] {
		t.Fatalf("appends after the heal: %v (%v)", texts(onDisk), err)
	}
	if n := warns.Load(); n != 1 {
		t.Fatalf("%d warnings after the heal, want 1", n)
	}
}

// fillPipe fills the fifo's pipe buffer through a non-blocking descriptor of its own, which it
// closes again (the data stays: the caller holds the fifo open).
func fillPipe(t *testing.T, fifo string) {
	t.Helper()
	fd, err := syscall.Open(fifo, syscall.O_RDWR|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	chunk := make([]byte, 4096)
	for {
		if _, err := syscall.Write(fd, chunk); err == syscall.EAGAIN {
			return
		} else if err != nil {
			t.Fatal(err)
		}
	}
}

// TestConsoleLogCloseFlushes: closing the log writes every batch already queued before it
// returns, and the writer is gone (a later close is a no-op).
func TestConsoleLogCloseFlushes(t *testing.T) {
	path := filepath.Join(t.TempDir(), consoleLogFile)
	l, _ := openConsoleLog(path, 1000, consoleLogMinCap, slog.New(slog.DiscardHandler))
	clock := newFakeClock()
	r := newRing(1000, clock.Now, newHub(clock.Now))
	r.restore(nil, l)
	var want []string
	for i := range 20 {
		batch := []string{fmt.Sprint("a", i), fmt.Sprint("b", i)}
		want = append(want, batch...)
		r.addBatch(batch)
	}
	r.closeLog()
	select {
	case <-l.done:
	default:
		t.Fatal("closeLog returned before the writer")
	}
	r.closeLog()
	r.add("after close")
	onDisk, err := readConsoleLog(path, 1000)
	if err != nil || !slices.Equal(texts(onDisk), want) || l.dropped.Load() != 0 {
		t.Fatalf("after close: %v (%v), %d dropped", texts(onDisk), err, l.dropped.Load())
	}
}

// BenchmarkConsoleLogWriter is BenchmarkConsolePersisted (no subscriber) reporting how much the
// log's writer keeps up: dropped-% is the share of lines left out of the file (healed later).
func BenchmarkConsoleLogWriter(b *testing.B) {
	payload := []byte(strings.Repeat("[12:00:00] [Server thread/INFO]: a typical console line of moderate length\n", 1000))
	r := newRing(1000, time.Now, newHub(time.Now))
	l, lines := openConsoleLog(filepath.Join(b.TempDir(), consoleLogFile), 1000, consoleLogMinCap, slog.New(slog.DiscardHandler))
	r.restore(lines, l)
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		_ = scanLines(bytes.NewReader(payload), 8<<10, r.addBatch)
	}
	r.closeLog()
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(100*float64(l.dropped.Load())/float64(b.N*1000), "dropped-%")
}
