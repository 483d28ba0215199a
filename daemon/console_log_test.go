package daemon

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skypanel/skypanel/runtime"
)

// warnCounter is a slog handler counting warnings (and passing every record to t).
type warnCounter struct {
	slog.Handler
	warns *atomic.Int32
}

func newWarnCounter(t testing.TB) (*slog.Logger, *atomic.Int32) {
	n := new(atomic.Int32)
	return slog.New(warnCounter{slog.NewTextHandler(testWriter{t}, nil), n}), n
}

func (h warnCounter) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelWarn {
		h.warns.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h warnCounter) WithAttrs(as []slog.Attr) slog.Handler {
	return warnCounter{h.Handler.WithAttrs(as), h.warns}
}

func consoleLines(t testing.TB, m *Manager, id string) []ConsoleLine {
	t.Helper()
	lines, _, err := m.ConsoleLines(id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

func texts(lines []ConsoleLine) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Text
	}
	return out
}

// reload opens a second manager on m's data folder (m must be closed, or be a crashed daemon
// whose files are left as they are) and loads it.
func reload(t *testing.T, m *Manager, rt *fakeRT, clock *fakeClock) *Manager {
	t.Helper()
	opts := testOptions(t, m.opts.DataDir, rt)
	opts.Clock = clock.Now
	m2, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m2.Close)
	if err := m2.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m2
}

// TestConsoleHistorySurvivesReload: the lines of an install and of a running server are on
// disk once the log's writer has caught up (a kill -9 loses only what it had not), and a new manager's console and
// subscription backlog start with them, same cursors and times; new lines continue after them
// even on a frozen clock.
func TestConsoleHistorySurvivesReload(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	clock := newFakeClock() // frozen: later cursors only increase by the +1 rule
	m1 := newTestManager(t, rt, func(o *Options) { o.Clock = clock.Now })
	ctx := context.Background()
	mustCreate(t, m1, testDef("s1", `print:ready\n`))
	err := m1.Install(ctx, "s1", func(_ context.Context, _ Definition, _ string, out io.Writer) error {
		_, err := io.WriteString(out, "downloading \"quoted\" \\ \x00 é\n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(1500 * time.Millisecond)
	if err := m1.Start(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	waitLine(t, m1, "s1", "ready")
	if err := m1.SendCommand(ctx, "s1", "hello"); err != nil {
		t.Fatal(err)
	}
	waitLine(t, m1, "s1", "hello")
	before := consoleLines(t, m1, "s1")
	s1, _ := m1.get("s1")
	s1.ring.syncLog()
	onDisk, err := readConsoleLog(m1.st.consoleLogPath("s1"), 100)
	if err != nil || !slices.Equal(onDisk, before) {
		t.Fatalf("on disk before any close (%v):\n%v\nring:\n%v", err, onDisk, before)
	}
	m1.Close()

	m2 := reload(t, m1, rt, clock)
	waitLine(t, m2, "s1", "console re-attached")
	after := consoleLines(t, m2, "s1")
	if len(after) != len(before)+1 || !slices.Equal(after[:len(before)], before) {
		t.Fatalf("after reload:\n%v\nbefore:\n%v", after, before)
	}
	if err := m2.SendCommand(ctx, "s1", "again"); err != nil {
		t.Fatal(err)
	}
	waitLine(t, m2, "s1", "again")
	all := consoleLines(t, m2, "s1")
	for i := 1; i < len(all); i++ {
		if all[i].Cursor <= all[i-1].Cursor {
			t.Fatalf("cursors not strictly increasing across the reload: %v", all)
		}
	}
	sub, err := m2.Subscribe("s1", 10)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if !slices.Equal(sub.Backlog(), all) {
		t.Fatalf("backlog %v, want %v", sub.Backlog(), all)
	}
}

// TestConsoleLogTornTail: a line cut by a crash mid-write (and any undecodable line) is
// skipped; loading rewrites the file without it, so later appends stay readable.
func TestConsoleLogTornTail(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	clock := newFakeClock()
	m1 := newTestManager(t, rt, func(o *Options) { o.Clock = clock.Now })
	mustCreate(t, m1, testDef("s1", "echo"))
	s, _ := m1.get("s1")
	s.ring.addBatch([]string{"one", "two"})
	s.ring.add("three")
	before := consoleLines(t, m1, "s1")
	m1.Close()
	path := m1.st.consoleLogPath("s1")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`{"cursor":99999999999999999,"time":1,"text":"torn`)
	_ = f.Close()

	m2 := reload(t, m1, rt, clock)
	if got := consoleLines(t, m2, "s1"); !slices.Equal(got, before) {
		t.Fatalf("after a torn tail: %v, want %v", got, before)
	}
	s2, _ := m2.get("s1")
	s2.ring.add("four")
	s2.ring.syncLog()
	lines, err := readConsoleLog(path, 100)
	if err != nil || !slices.Equal(texts(lines), []string{"one", "two", "three", "four"}) {
		t.Fatalf("file after the next line: %v (%v)", lines, err)
	}
	if lines[3].Cursor != before[2].Cursor+1 {
		t.Fatalf("cursor %d does not continue after %d", lines[3].Cursor, before[2].Cursor)
	}
}

// TestReadConsoleLog: the newest lines are kept; garbage, a torn tail and a line whose cursor
// is not below the next line's are skipped.
func TestReadConsoleLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "console.log")
	content := `{"cursor":1,"time":10,"text":"a"}` + "\n" +
		"not json\n" +
		`{"cursor":2,"time":10,"text":"b"}` + "\n" +
		`{"cursor":2,"time":10,"text":"dup"}` + "\n" +
		`{"cursor":3,"time":11,"text":"c"}` + "\n" +
		`{"cursor":4,"time":11,"text":"d"}` + "\n" +
		`{"cursor":5,"ti`
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		max  int
		want []string
	}{{10, []string{"a", "dup", "c", "d"}}, {3, []string{"dup", "c", "d"}}, {1, []string{"d"}}} {
		got, err := readConsoleLog(path, tt.max)
		if err != nil || !slices.Equal(texts(got), tt.want) {
			t.Fatalf("max %d: %v (%v), want %v", tt.max, got, err, tt.want)
		}
	}
	if data, err := readTail(path, int64(len(content)-10)); err != nil || !strings.HasPrefix(string(data), "not json\n") {
		t.Fatalf("tail from inside the first line: %q (%v)", data, err)
	}
	if got, err := readConsoleLog(filepath.Join(t.TempDir(), "none"), 10); err != nil || got != nil {
		t.Fatalf("missing file: %v %v", got, err)
	}
}

// TestConsoleLogCap: past max(1 MiB, 2× the ring's content) the file is rewritten with the
// ring's lines: it never grows without bound and always holds the whole ring.
func TestConsoleLogCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "console.log")
	log, _ := newWarnCounter(t)
	l, lines := openConsoleLog(path, 10, consoleLogMinCap, log)
	r := newRing(10, newFakeClock().Now, newHub(newFakeClock().Now))
	r.restore(lines, l)
	defer r.closeLog()
	line := strings.Repeat("x", 100)
	batch := slices.Repeat([]string{line}, 50)
	written, maxSize := 0, int64(0)
	for written < 3*consoleLogMinCap {
		r.addBatch(batch)
		r.syncLog()
		written += len(batch) * len(line)
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		maxSize = max(maxSize, fi.Size())
	}
	if limit := int64(consoleLogMinCap + 50*200); maxSize > limit {
		t.Fatalf("file reached %d bytes, cap %d + one batch", maxSize, consoleLogMinCap)
	}
	onDisk, err := readConsoleLog(path, 10)
	ring, _ := r.since(0)
	if err != nil || !slices.Equal(onDisk, ring) {
		t.Fatalf("file tail %v (%v), ring %v", onDisk, err, ring)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Fatalf("rewrite left its temp file: %v", err)
	}
}

// TestConsoleLogDelete: deleting a server removes its history; a new server with the same id
// starts with an empty console.
func TestConsoleLogDelete(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m := newTestManager(t, rt, nil)
	mustCreate(t, m, testDef("s1", "echo"))
	s, _ := m.get("s1")
	s.ring.add("secret")
	path := m.st.consoleLogPath("s1")
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete(context.Background(), "s1"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("console log after delete: %v", err)
	}
	mustCreate(t, m, testDef("s1", "echo"))
	if got := consoleLines(t, m, "s1"); len(got) != 0 {
		t.Fatalf("new server inherited %v", got)
	}
}

// TestConsoleLogWriteFails: a log whose writes fail (/dev/full: ENOSPC) warns once; the
// console goes on in memory and reaches subscribers.
func TestConsoleLogWriteFails(t *testing.T) {
	log, warns := newWarnCounter(t)
	l, _ := openConsoleLog(filepath.Join(t.TempDir(), "console.log"), 10, consoleLogMinCap, log)
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	_ = l.f.Close()
	l.f = full
	clock := newFakeClock()
	h := newHub(clock.Now)
	r := newRing(10, clock.Now, h)
	r.restore(nil, l)
	defer r.closeLog()
	sub, _ := subscribeRing(r, 10, identity)
	defer sub.Close()
	for _, s := range []string{"a", "b", "c"} {
		r.add(s)
	}
	for _, want := range []string{"a", "b", "c"} {
		if ev := <-sub.C(); ev.Line.Text != want {
			t.Fatalf("event %+v, want %q", ev, want)
		}
	}
	r.syncLog()
	if got, _ := r.since(0); !slices.Equal(texts(got), []string{"a", "b", "c"}) || warns.Load() != 1 {
		t.Fatalf("ring %v, %d warnings", got, warns.Load())
	}
}

// TestConsoleLogOpenFails: a history that cannot be read or written (its path is a folder)
// does not stop Load or the console.
func TestConsoleLogOpenFails(t *testing.T) {
	rt := newFakeRT(runtime.EnvStandard)
	m1 := newTestManager(t, rt, nil)
	mustCreate(t, m1, testDef("s1", `print:up\n`))
	m1.Close()
	path := m1.st.consoleLogPath("s1")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	log, warns := newWarnCounter(t)
	opts := testOptions(t, m1.opts.DataDir, rt)
	opts.Logger = log
	m2, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if err := m2.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := m2.Start(context.Background(), "s1"); err != nil {
		t.Fatal(err)
	}
	waitLine(t, m2, "s1", "up")
	if n := warns.Load(); n != 1 {
		t.Fatalf("%d warnings, want 1", n)
	}
}

// TestAppendConsoleLine: the hand-written encoder writes what encoding/json reads back
// (invalid UTF-8 as U+FFFD, as encoding/json would).
func TestAppendConsoleLine(t *testing.T) {
	for _, text := range []string{
		"", "plain", `"quoted" \ back`, "\x00\x01\x1b[31mred\x7f", "tab\tcr\rnl\n", "é ☃ 𝄞 \u2028",
		"bad \xff\xfe utf8 \xc3", strings.Repeat("long ", 2000),
	} {
		in := ConsoleLine{Cursor: 1_700_000_000_000_001, Time: 1_700_000_000_000, Text: text}
		b := appendConsoleLine(nil, in)
		if !json.Valid(b) || b[len(b)-1] != '\n' || strings.Count(string(b), "\n") != 1 {
			t.Fatalf("%q: encoded %q", text, b)
		}
		var out, want ConsoleLine
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		wb, _ := json.Marshal(in)
		_ = json.Unmarshal(wb, &want)
		if out != want {
			t.Fatalf("%q: read back %+v, encoding/json gives %+v", text, out, want)
		}
	}
}

func FuzzAppendConsoleLine(f *testing.F) {
	f.Add("hello \"world\" \x00\xff")
	f.Fuzz(func(t *testing.T, text string) {
		b := appendConsoleLine(nil, ConsoleLine{Cursor: 2, Time: 1, Text: text})
		var out ConsoleLine
		if err := json.Unmarshal(b, &out); err != nil || out.Cursor != 2 {
			t.Fatalf("%q: %q: %v", text, b, err)
		}
		var want string
		wb, _ := json.Marshal(text)
		_ = json.Unmarshal(wb, &want)
		if out.Text != want {
			t.Fatalf("%q: read back %q, encoding/json gives %q", text, out.Text, want)
		}
	})
}

// BenchmarkConsoleLogLoad: what Load spends on one server's history at the cap (1 MiB of
// typical lines, the default ring of 1000 kept).
func BenchmarkConsoleLogLoad(b *testing.B) {
	path := filepath.Join(b.TempDir(), consoleLogFile)
	var data []byte
	for i := int64(1); len(data) < consoleLogMinCap; i++ {
		data = appendConsoleLine(data, ConsoleLine{Cursor: 1_700_000_000_000_000 + i, Time: 1_700_000_000_000,
			Text: "[12:00:00] [Server thread/INFO]: a typical console line of moderate length"})
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if lines, err := readConsoleLog(path, 1000); err != nil || len(lines) != 1000 {
			b.Fatal(len(lines), err)
		}
	}
}
