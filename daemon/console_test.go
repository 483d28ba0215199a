package daemon

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"github.com/skypanel/skypanel/runtime"
)

func split(t testing.TB, in string, maxBytes int) []string {
	t.Helper()
	var out []string
	if err := splitLines(strings.NewReader(in), maxBytes, func(s string) { out = append(out, s) }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSplitLines(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"simple", "a\nb\n", []string{"a", "b"}},
		{"crlf", "a\r\nb\r\n", []string{"a", "b"}},
		{"no final newline", "a\nb", []string{"a", "b"}},
		{"empty lines", "\n\n", []string{"", ""}},
		{"empty input", "", nil},
		{"exactly max with newline", strings.Repeat("y", 63) + "\nz\n", []string{strings.Repeat("y", 63), "z"}},
		{"long line cut", long + "\nnext\n", []string{long[:64] + TruncatedMarker, "next"}},
		{"long line at EOF", long, []string{long[:64] + TruncatedMarker}},
		{"invalid utf8", "a\xffb\xc3\n", []string{"a\uFFFDb\uFFFD"}},
		{"rune split by cut", strings.Repeat("a", 63) + "é\n", []string{strings.Repeat("a", 63) + TruncatedMarker}},
		{"nul and escape kept", "\x00\x1b[31mred\n", []string{"\x00\x1b[31mred"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := split(t, tt.in, 64); !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSplitLinesHugeBinary: megabytes without a newline cost one cut line, not memory.
func TestSplitLinesHugeBinary(t *testing.T) {
	in := bytes.Repeat([]byte{0xff, 0x00, 0xfe, 'x'}, 1<<20)
	var got []string
	r := iotest.OneByteReader(bytes.NewReader(append(in, "\nend\n"...)))
	if err := splitLines(iotest.HalfReader(r), 8<<10, func(s string) { got = append(got, s) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1] != "end" || !strings.HasSuffix(got[0], TruncatedMarker) || !utf8.ValidString(got[0]) {
		t.Fatalf("got %d lines, first %.40q", len(got), got)
	}
}

func FuzzSplitLines(f *testing.F) {
	f.Add([]byte("hello\nworld\r\n\xff\xfe"), 16)
	f.Add(bytes.Repeat([]byte("é"), 100), 64)
	f.Fuzz(func(t *testing.T, in []byte, maxBytes int) {
		maxBytes = 16 + abs(maxBytes)%4096
		var got []string
		_ = splitLines(bytes.NewReader(in), maxBytes, func(s string) {
			got = append(got, s)
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 line %q", s)
			}
			if strings.Contains(s, "\n") {
				t.Fatalf("line contains a newline: %q", s)
			}
			if len(strings.TrimSuffix(s, TruncatedMarker)) > 3*maxBytes {
				t.Fatalf("line of %d bytes with max %d", len(s), maxBytes)
			}
		})
		if want := refSplit(in, maxBytes); !slices.Equal(got, want) {
			t.Fatalf("got %q, want %q (the bufio reference)", got, want)
		}
		var odd []string // same lines whatever the read sizes
		_ = splitLines(iotest.OneByteReader(bytes.NewReader(in)), maxBytes, func(s string) { odd = append(odd, s) })
		if !slices.Equal(odd, got) {
			t.Fatalf("one byte reads: %q, want %q", odd, got)
		}
	})
}

// refSplit is the straightforward bufio definition of splitLines's output.
func refSplit(in []byte, maxBytes int) []string {
	var out []string
	br := bufio.NewReaderSize(bytes.NewReader(in), maxBytes)
	discarding := false
	for {
		chunk, err := br.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			if !discarding {
				out = append(out, cleanLine(chunk, true))
				discarding = true
			}
			continue
		case discarding:
			discarding = false
		case len(chunk) > 0:
			out = append(out, cleanLine(chunk, false))
		}
		if err != nil {
			return out
		}
	}
}

// TestScanLinesMatchesReference: whatever the read sizes, batching and shared line strings give
// the lines of the bufio definition.
func TestScanLinesMatchesReference(t *testing.T) {
	long := strings.Repeat("x", 200)
	in := []byte("a\r\nb\n" + long + "\nc\xff\n\n" + strings.Repeat("é", 70) + "\n" + long + "\r\n" +
		strings.Repeat("ok line\n", 50) + "tail\r")
	want := refSplit(in, 64)
	readers := map[string]func() io.Reader{
		"whole":    func() io.Reader { return bytes.NewReader(in) },
		"one byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(in)) },
		"half":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(in)) },
		"data+EOF": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(in)) },
	}
	for name, r := range readers {
		t.Run(name, func(t *testing.T) {
			var got []string
			err := scanLines(r(), 64, func(ls []string) { got = append(got, ls...) })
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("got %q (err %v), want %q", got, err, want)
			}
		})
	}
}

// TestScanLinesReadError: a read error ends the scan with that error after the pending line.
func TestScanLinesReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader("a\nb"), iotest.ErrReader(io.ErrClosedPipe))
	var got []string
	err := scanLines(r, 64, func(ls []string) { got = append(got, ls...) })
	if !errors.Is(err, io.ErrClosedPipe) || !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("got %q, err %v", got, err)
	}
}

// TestRingBatch: one batch shares a timestamp, keeps cursors strictly increasing past the
// previous batch, evicts the oldest lines and reaches subscribers line by line in order.
func TestRingBatch(t *testing.T) {
	clock := newFakeClock()
	h := newHub(clock.Now)
	r := newRing(3, clock.Now, h)
	sub, _ := subscribeRing(r, 10, identity)
	r.addBatch([]string{"a", "b"})
	r.addBatch([]string{"c", "d", "e", "f"})
	lines, _ := r.since(0)
	var got []string
	for i, l := range lines {
		got = append(got, l.Text)
		if i > 0 && l.Cursor != lines[i-1].Cursor+1 {
			t.Fatalf("cursors %v", lines)
		}
	}
	if !slices.Equal(got, []string{"d", "e", "f"}) || lines[0].Time != clock.Now().UnixMilli() {
		t.Fatalf("ring %v", lines)
	}
	var cursors []int64
	for _, want := range []string{"a", "b", "c", "d", "e", "f"} {
		ev := <-sub.C()
		if ev.Kind != EventConsole || ev.Line.Text != want {
			t.Fatalf("event %+v, want %q", ev, want)
		}
		cursors = append(cursors, ev.Line.Cursor)
	}
	if cursors[5] != lines[2].Cursor || !slices.IsSorted(cursors) {
		t.Fatalf("event cursors %v, ring %v", cursors, lines)
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func TestRingCursors(t *testing.T) {
	clock := newFakeClock() // frozen: every line in the same millisecond
	r := newRing(3, clock.Now, newHub(clock.Now))
	if lines, next := r.since(0); lines != nil || next != 0 {
		t.Fatalf("empty ring: %v %d", lines, next)
	}
	for _, s := range []string{"a", "b", "c"} {
		r.add(s)
	}
	all, next := r.since(0)
	if len(all) != 3 || next != all[2].Cursor {
		t.Fatalf("since 0: %v next %d", all, next)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Cursor <= all[i-1].Cursor || all[i].Time != all[0].Time {
			t.Fatalf("cursors not strictly increasing within one ms: %v", all)
		}
	}
	if all[0].Cursor != CursorAt(clock.Now()) {
		t.Fatalf("first cursor %d, want the clock's %d", all[0].Cursor, CursorAt(clock.Now()))
	}
	tests := []struct {
		name  string
		since int64
		want  []string
		next  int64
	}{
		{"after first", all[0].Cursor, []string{"b", "c"}, all[2].Cursor},
		{"after last", all[2].Cursor, nil, all[2].Cursor},
		{"in the future", all[2].Cursor + 100, nil, all[2].Cursor + 100},
		{"before everything", all[0].Cursor - 1, []string{"a", "b", "c"}, all[2].Cursor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, next := r.since(tt.since)
			var got []string
			for _, l := range lines {
				got = append(got, l.Text)
			}
			if !slices.Equal(got, tt.want) || next != tt.next {
				t.Fatalf("got %v next %d, want %v next %d", got, next, tt.want, tt.next)
			}
		})
	}
	// Eviction keeps the newest lines; a cursor older than the ring returns all that is left.
	r.add("d")
	clock.Advance(time.Second)
	r.add("e")
	lines, _ := r.since(0)
	if got := []string{lines[0].Text, lines[1].Text, lines[2].Text}; !slices.Equal(got, []string{"c", "d", "e"}) {
		t.Fatalf("after eviction %v", got)
	}
	if lines[2].Cursor != CursorAt(clock.Now()) {
		t.Fatalf("cursor did not follow the clock: %d", lines[2].Cursor)
	}
}

// TestConsoleThroughManager: long and binary output of a process lands in the console cut
// and valid, and Console's cursor continues where the previous call ended.
func TestConsoleThroughManager(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, func(o *Options) { o.MaxLineBytes = 100 })
	mustCreate(t, m, testDef("s1", `print:`+strings.Repeat("z", 300)+`\nbin\xff\xfeary\n`))
	ctx := context.Background()
	if err := m.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	waitLine(t, m, "s1", "ary")
	lines, next, err := m.Console("s1", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{DaemonPrefix + "starting server", strings.Repeat("z", 100) + TruncatedMarker, "bin\uFFFDary"} // a run of invalid bytes becomes one U+FFFD
	if !slices.Equal(lines, want) {
		t.Fatalf("console %q, want %q", lines, want)
	}
	if err := m.SendCommand(ctx, "s1", "more"); err != nil {
		t.Fatal(err)
	}
	waitLine(t, m, "s1", "more")
	lines, next2, _ := m.Console("s1", next)
	if !slices.Equal(lines, []string{"more"}) || next2 <= next {
		t.Fatalf("since %d: %q next %d", next, lines, next2)
	}
	if _, _, err := m.Console("nope", 0); err == nil {
		t.Fatal("console of an unknown server")
	}
}
