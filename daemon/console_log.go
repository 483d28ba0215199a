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
	"strconv"
	"unicode/utf8"
)

const (
	// consoleLogFile is each server's console history, beside its definition.
	consoleLogFile = "console.log"
	// consoleLogMinCap is the smallest size at which a console log is rewritten with the
	// ring's content; above it the cap is twice the ring's content at the last rewrite.
	consoleLogMinCap = 1 << 20
)

// consoleLog appends a server's console lines to <DataDir>/servers/<id>/console.log, one JSON
// object per line ({"cursor":…,"time":…,"text":"…"}), so the history survives a daemon restart
// (graceful or kill -9: every batch is one write(2), no fsync). It is bounded: past its cap the
// file is replaced (temp file + rename) by the ring's content. When the disk fails it logs one
// warning and goes quiet: the console goes on in memory only.
//
// Its methods are called under the owning ring's lock; it has no lock of its own.
type consoleLog struct {
	path   string
	minCap int64
	log    *slog.Logger
	f      *os.File // nil once closed or failed
	size   int64    // bytes in the file
	base   int64    // bytes written by the last rewrite
	buf    []byte   // encoding scratch
}

// openConsoleLog reads the newest (up to max) lines of the log at path and returns them with
// the log, rewritten to hold exactly those lines and open for appending. A missing file is an
// empty history. When the file cannot be read or rewritten the log is returned failed (a
// warning is logged): appends are then ignored.
func openConsoleLog(path string, max int, minCap int64, log *slog.Logger) (*consoleLog, []ConsoleLine) {
	l := &consoleLog{path: path, minCap: minCap, log: log.With("path", path)}
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

// append writes lines at the end of the log in one write; over is true when the log has now
// passed its cap and should be rewritten (compact).
func (l *consoleLog) append(lines []ConsoleLine) (over bool) {
	if l == nil || l.f == nil {
		return false
	}
	l.buf = l.buf[:0]
	for _, line := range lines {
		l.buf = appendConsoleLine(l.buf, line)
	}
	n, err := l.f.Write(l.buf)
	l.size += int64(n)
	l.trimBuf()
	if err != nil {
		l.fail("writing the console history", err)
		return false
	}
	return l.size > max(l.minCap, 2*l.base)
}

// rewrite replaces the file by lines (a temp file renamed over it) and keeps appending to it.
func (l *consoleLog) rewrite(lines []ConsoleLine) error {
	tmp := l.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create console log: %w", err)
	}
	l.buf = l.buf[:0]
	for _, line := range lines {
		l.buf = appendConsoleLine(l.buf, line)
	}
	if _, err = f.Write(l.buf); err == nil {
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

// trimBuf drops a scratch buffer grown past what one read of output needs (a rewrite's, or a
// batch of escaped control bytes), so an idle server does not pin it.
func (l *consoleLog) trimBuf() {
	if cap(l.buf) > 2*readChunk {
		l.buf = nil
	}
}

// compact rewrites the log with the ring's lines after append reported it over its cap.
func (l *consoleLog) compact(lines []ConsoleLine) {
	if l == nil || l.f == nil {
		return
	}
	if err := l.rewrite(lines); err != nil {
		l.fail("rewriting the console history", err)
	}
}

// fail logs the one warning of this log and stops writing it.
func (l *consoleLog) fail(what string, err error) {
	l.log.Warn(what+" failed: this server's console is kept in memory only until the daemon restarts", "err", err)
	l.close()
}

// close closes the file; later appends are ignored.
func (l *consoleLog) close() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Close()
	l.f = nil
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

// appendConsoleLine appends l as one JSON line: {"cursor":1,"time":2,"text":"…"}\n.
func appendConsoleLine(b []byte, l ConsoleLine) []byte {
	b = append(b, `{"cursor":`...)
	b = strconv.AppendInt(b, l.Cursor, 10)
	b = append(b, `,"time":`...)
	b = strconv.AppendInt(b, l.Time, 10)
	b = append(b, `,"text":`...)
	b = appendJSONString(b, l.Text)
	return append(b, "}\n"...)
}

// jsonPlain marks the bytes a JSON string holds as they are in valid UTF-8 (no quote,
// backslash or control byte).
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendJSONString appends s as a JSON string, like encoding/json does (invalid UTF-8 becomes
// U+FFFD), without its allocations. The usual console line is copied in one piece.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	if utf8.ValidString(s) {
		start := 0
		for i := 0; i < len(s); i++ {
			if !jsonPlain[s[i]] {
				b = appendEscape(append(b, s[start:i]...), s[i])
				start = i + 1
			}
		}
		return append(append(b, s[start:]...), '"')
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(append(b, s[start:i]...), `\ufffd`...)
				start = i + size
			}
			i += size
			continue
		}
		if !jsonPlain[c] {
			b = appendEscape(append(b, s[start:i]...), c)
			start = i + 1
		}
		i++
	}
	return append(append(b, s[start:]...), '"')
}

// appendEscape appends the JSON escape of an ASCII byte that cannot stand as it is.
func appendEscape(b []byte, c byte) []byte {
	const hex = "0123456789abcdef"
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\n':
		return append(b, `\n`...)
	case '\r':
		return append(b, `\r`...)
	case '\t':
		return append(b, `\t`...)
	}
	return append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
}
