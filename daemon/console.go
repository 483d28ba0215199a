package daemon

import (
	"bufio"
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
// subscribers see lines in ring order and Subscribe can snapshot the backlog without a gap.
type ring struct {
	mu   sync.Mutex
	buf  []ConsoleLine
	head int // index of the oldest line
	n    int
	last int64
	now  func() time.Time
	hub  *hub
}

func newRing(size int, now func() time.Time, h *hub) *ring {
	return &ring{buf: make([]ConsoleLine, size), now: now, hub: h}
}

// add appends a line and publishes it.
func (r *ring) add(text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.now()
	r.last = max(t.UnixMicro(), r.last+1)
	l := ConsoleLine{Cursor: r.last, Time: t.UnixMilli(), Text: text}
	if r.n < len(r.buf) {
		r.buf[(r.head+r.n)%len(r.buf)] = l
		r.n++
	} else {
		r.buf[r.head] = l
		r.head = (r.head + 1) % len(r.buf)
	}
	r.hub.publish(Event{Kind: EventConsole, Line: l})
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

// subscribe registers a subscriber and returns the current backlog atomically with it.
func (r *ring) subscribe(buffer int) (*Subscription, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	backlog, _ := r.sinceLocked(0)
	return r.hub.subscribe(buffer, backlog)
}

// splitLines reads r until EOF or error and calls emit for every line. Lines are split on
// '\n' (a trailing '\r' is dropped); a line longer than maxBytes is cut at maxBytes (at a rune
// boundary), marked with TruncatedMarker and the rest of it discarded; each run of invalid UTF-8
// bytes is replaced with one U+FFFD, so lines are always valid in JSON. A final line without
// newline is emitted too. It returns nil at EOF.
func splitLines(r io.Reader, maxBytes int, emit func(string)) error {
	br := bufio.NewReaderSize(r, maxBytes)
	discarding := false
	for {
		chunk, err := br.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			if !discarding {
				emit(cleanLine(chunk, true))
				discarding = true
			}
			continue
		case discarding:
			discarding = false // chunk is the tail of an overlong line
		case len(chunk) > 0:
			emit(cleanLine(chunk, false))
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
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
