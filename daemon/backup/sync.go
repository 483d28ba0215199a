package backup

import (
	"hash"
	"os"
)

// writebackChunk is how much is written before the kernel is asked to start writing it out,
// so the final fsync has little left to wait for.
const writebackChunk = 8 << 20

// syncWriter writes to f and hashes what it writes, starting the write-back of every
// writebackChunk on the way.
type syncWriter struct {
	f       *os.File
	h       hash.Hash
	n       int64 // bytes written
	flushed int64 // write-back started up to here
}

func (w *syncWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.h.Write(p[:n])
	w.n += int64(n)
	if w.n-w.flushed >= writebackChunk {
		startWriteback(w.f, w.flushed, w.n-w.flushed)
		w.flushed = w.n
	}
	return n, err
}
