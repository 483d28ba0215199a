package daemon

import (
	"bytes"
	"errors"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// DaemonPrefix starts every console line written by the daemon itself.
const DaemonPrefix = "[SkyPanel Daemon] "

// TruncatedMarker ends a console line that was cut at Options.MaxLineBytes.
const TruncatedMarker = " [SkyPanel Daemon: line truncated]"

// ConsoleLine is one retained console line.
type ConsoleLine struct {
	Cursor int64  `json:"cursor"` // strictly increasing per server; see the package doc
	Time   int64  `json:"time"`   // unix milliseconds when the line was read
	Text   string `json:"text"`   // valid UTF-8, no trailing newline
}

// CursorAt converts a wall-clock time to a console cursor: Console(id, CursorAt(t)) returns the
// lines read after t.
func CursorAt(t time.Time) int64 { return t.UnixMicro() }

// ring is a bounded ring of console lines; it publishes each line to the hub under its lock, so
// subscribers see lines in ring order and Subscribe can snapshot the backlog without a gap. With
// a log (restore) it also queues each batch for the server's console history on disk.
type ring struct {
	mu   sync.Mutex
	buf  []ConsoleLine
	head int // index of the oldest line
	n    int
	last int64
	now  func() time.Time
	hub  *hub
	pub  []ConsoleLine // scratch for addBatch's publish, guarded by mu
	log  *consoleLog   // nil: memory only
}

func newRing(size int, now func() time.Time, h *hub) *ring {
	return &ring{buf: make([]ConsoleLine, size), now: now, hub: h}
}

// add appends a line and publishes it.
func (r *ring) add(text string) { r.addBatch([]string{text}) }

// addBatch appends lines under one lock and one clock reading, and publishes them in order.
// Cursors stay strictly increasing: lines sharing a timestamp take the previous cursor + 1.
func (r *ring) addBatch(texts []string) {
	if len(texts) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.now()
	us, ms := t.UnixMicro(), t.UnixMilli()
	size := len(r.buf)
	r.pub = r.pub[:0]
	for _, text := range texts {
		r.last = max(us, r.last+1)
		l := ConsoleLine{Cursor: r.last, Time: ms, Text: text}
		if r.n < size {
			i := r.head + r.n
			if i >= size {
				i -= size
			}
			r.buf[i] = l
			r.n++
		} else {
			r.buf[r.head] = l
			if r.head++; r.head == size {
				r.head = 0
			}
		}
		r.pub = append(r.pub, l)
	}
	r.hub.publishLines(r.pub)
	r.log.enqueue(r.pub)
	clear(r.pub) // do not pin line strings beyond the ring
	r.pub = r.pub[:0]
}

// restore fills the empty ring with lines (the newest ones when they do not fit; cursors
// strictly increasing) and appends from now on to log: a reloaded server's history.
func (r *ring) restore(lines []ConsoleLine, log *consoleLog) {
	r.mu.Lock()
	defer r.mu.Unlock()
	lines = lines[max(0, len(lines)-len(r.buf)):]
	r.head, r.n = 0, copy(r.buf, lines)
	if r.n > 0 {
		r.last = max(r.last, lines[r.n-1].Cursor)
	}
	r.log = log
	log.start(r)
}

// closeLog stops the ring's writes to its log (the manager closes, or the server is deleted)
// and waits until the batches already queued are written.
func (r *ring) closeLog() {
	r.mu.Lock()
	l := r.log
	r.log = nil
	r.mu.Unlock()
	l.close() // outside the lock: the writer may be reading the ring for a rewrite
}

func (r *ring) at(i int) ConsoleLine { return r.buf[(r.head+i)%len(r.buf)] }

// since returns the lines with a cursor > c, and the cursor to use next.
func (r *ring) since(c int64) ([]ConsoleLine, int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sinceLocked(c)
}

func (r *ring) sinceLocked(c int64) ([]ConsoleLine, int64) {
	i := sort.Search(r.n, func(i int) bool { return r.at(i).Cursor > c })
	if i == r.n {
		return nil, c
	}
	out := make([]ConsoleLine, 0, r.n-i)
	for ; i < r.n; i++ {
		out = append(out, r.at(i))
	}
	return out, out[len(out)-1].Cursor
}

// subscribeRing registers a subscriber and returns the current backlog atomically with it.
func subscribeRing[E any](r *ring, buffer int, conv func(Event) E) (*Sub[E], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	backlog, _ := r.sinceLocked(0)
	return subscribeTo(r.hub, buffer, backlog, conv)
}

// readChunk is the size of one read of console output: every complete line of a read is
// stored under one lock and one clock reading.
const readChunk = 64 << 10

// splitLines reads r until EOF or error and calls emit for every line. Lines are split on
// '\n' (a trailing '\r' is dropped); a line longer than maxBytes is cut at maxBytes (at a rune
// boundary), marked with TruncatedMarker and the rest of it discarded; each run of invalid UTF-8
// bytes is replaced with one U+FFFD, so lines are always valid in JSON. A final line without
// newline is emitted too. It returns nil at EOF.
func splitLines(r io.Reader, maxBytes int, emit func(string)) error {
	return scanLines(r, maxBytes, func(lines []string) {
		for _, l := range lines {
			emit(l)
		}
	})
}

// scanLines is splitLines delivering the lines of each read as one batch; the slice is reused
// after emit returns, the strings are not.
func scanLines(r io.Reader, maxBytes int, emit func([]string)) error {
	sc := lineScanner{max: maxBytes, buf: make([]byte, max(readChunk, 2*maxBytes))}
	for {
		n, err := r.Read(sc.buf[sc.n:])
		sc.n += n
		sc.scan(err != nil)
		if len(sc.out) > 0 {
			emit(sc.out)
			clear(sc.out)
			sc.out = sc.out[:0]
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// lineScanner holds the unfinished line of scanLines between reads.
type lineScanner struct {
	max        int
	buf        []byte // buf[:n] is unconsumed input, starting at a line start
	n          int
	discarding bool // dropping the rest of a cut line up to its newline
	out        []string
}

// scan moves the complete lines of buf[:n] to out; at the end of input (final) the unfinished
// line goes too. The unfinished rest moves to the front of buf.
func (sc *lineScanner) scan(final bool) {
	data := sc.buf[:sc.n]
	if sc.discarding {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			sc.n = 0
			sc.discarding = !final
			return
		}
		sc.discarding = false
		data = data[i+1:]
	}
	if end := bytes.LastIndexByte(data, '\n') + 1; end > 0 {
		sc.block(data[:end])
		data = data[end:]
	}
	switch {
	case len(data) >= sc.max:
		sc.out = append(sc.out, cleanLine(data[:sc.max], true))
		sc.discarding = !final
		data = nil
	case final && len(data) > 0:
		sc.out = append(sc.out, cleanLine(data, false))
		data = nil
	}
	sc.n = copy(sc.buf, data)
}

// block appends the lines of b (complete lines, each ending in '\n'). Usually b is valid UTF-8
// and has no overlong line: then all its lines share one string allocation. A cut or invalid
// line is converted on its own, so no retained line pins a discarded tail.
func (sc *lineScanner) block(b []byte) {
	for len(b) > 0 {
		run := sc.cleanRun(b)
		if run > 0 {
			sc.sliceLines(string(b[:run]))
			b = b[run:]
			continue
		}
		i := bytes.IndexByte(b, '\n') + 1
		if l := b[:i]; len(l)-1 >= sc.max {
			sc.out = append(sc.out, cleanLine(l[:sc.max], true))
		} else {
			sc.out = append(sc.out, cleanLine(l, false))
		}
		b = b[i:]
	}
}

// cleanRun returns the length of the leading complete lines of b that are valid UTF-8 and not
// overlong.
func (sc *lineScanner) cleanRun(b []byte) int {
	if utf8.Valid(b) && sc.allShort(b) {
		return len(b)
	}
	run := 0
	for run < len(b) {
		i := bytes.IndexByte(b[run:], '\n')
		if i >= sc.max || !utf8.Valid(b[run:run+i]) {
			break
		}
		run += i + 1
	}
	return run
}

func (sc *lineScanner) allShort(b []byte) bool {
	if len(b) <= sc.max {
		return true
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i >= sc.max {
			return false
		}
		b = b[i+1:]
	}
	return true
}

// sliceLines appends the lines of s (each ending in '\n') as substrings of s.
func (sc *lineScanner) sliceLines(s string) {
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		l := s[:i]
		if n := len(l); n > 0 && l[n-1] == '\r' {
			l = l[:n-1]
		}
		sc.out = append(sc.out, l)
		s = s[i+1:]
	}
}

// cleanLine turns raw bytes into a console line.
func cleanLine(b []byte, cut bool) string {
	if cut {
		// Drop a rune split by the cut rather than replacing its bytes.
		for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
			if r, size := utf8.DecodeLastRune(b); r != utf8.RuneError || size > 1 {
				break
			}
			b = b[:len(b)-1]
		}
	} else {
		b = trimEOL(b)
	}
	var s string
	if utf8.Valid(b) { // fast path (ASCII words at a time) for the usual, valid output
		s = string(b)
	} else {
		s = strings.ToValidUTF8(string(b), "\uFFFD")
	}
	if cut {
		s += TruncatedMarker
	}
	return s
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}
