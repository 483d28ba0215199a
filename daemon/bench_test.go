package daemon

import (
	"bytes"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// consolePayload is 1000 typical console lines, the output each benchmark iteration feeds.
var consolePayload = []byte(strings.Repeat("[12:00:00] [Server thread/INFO]: a typical console line of moderate length\n", 1000))

// feedConsole times b.N feeds of consolePayload into r and reports lines/s.
func feedConsole(b *testing.B, r *ring) {
	b.SetBytes(int64(len(consolePayload)))
	b.ResetTimer()
	for range b.N {
		_ = scanLines(bytes.NewReader(consolePayload), 8<<10, r.addBatch)
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkConsole measures lines/s from a process's output into the ring and out to N
// subscribers that keep up (drained in the background) — the daemon side of the console
// throughput target.
func BenchmarkConsole(b *testing.B) { benchConsole(b, false) }

// BenchmarkConsolePersisted is BenchmarkConsole with the console history on disk (console.log,
// default ring and cap): run together, the two give the cost of persisting the console.
func BenchmarkConsolePersisted(b *testing.B) { benchConsole(b, true) }

func benchConsole(b *testing.B, persisted bool) {
	for _, subs := range []int{0, 1, 100} {
		b.Run(fmt.Sprintf("subscribers=%d", subs), func(b *testing.B) {
			h := newHub(time.Now)
			r := newRing(1000, time.Now, h)
			if persisted {
				l, lines := openConsoleLog(filepath.Join(b.TempDir(), consoleLogFile), 1000, consoleLogMinCap, slog.New(slog.DiscardHandler))
				r.restore(lines, l)
				defer r.closeLog()
			}
			for range subs {
				s, _ := subscribeTo(h, 1024, nil, identity)
				go func() {
					for range s.C() {
					}
				}()
				defer s.Close()
			}
			feedConsole(b, r)
		})
	}
}

// BenchmarkConsoleConverted is BenchmarkConsole with one subscriber whose events are converted
// as they are delivered (SubscribeConv, as the node API's in-process stream does), against one
// plain subscriber: the cost of converting in the fan-out.
func BenchmarkConsoleConverted(b *testing.B) {
	type wire struct {
		Kind string
		Line *ConsoleLine // the wire type's pointer: one allocation per event
	}
	conv := func(ev Event) wire { l := ev.Line; return wire{Kind: string(ev.Kind), Line: &l} }
	run := func(b *testing.B, subscribe func(h *hub) (func(), func())) {
		h := newHub(time.Now)
		r := newRing(1000, time.Now, h)
		drain, closeSub := subscribe(h)
		go drain()
		defer closeSub()
		feedConsole(b, r)
	}
	b.Run("plain", func(b *testing.B) {
		run(b, func(h *hub) (func(), func()) {
			s, _ := subscribeTo(h, 1024, nil, identity)
			return func() {
				for range s.C() {
				}
			}, s.Close
		})
	})
	b.Run("converted", func(b *testing.B) {
		run(b, func(h *hub) (func(), func()) {
			s, _ := subscribeTo(h, 1024, nil, conv)
			return func() {
				for range s.C() {
				}
			}, s.Close
		})
	})
}

// BenchmarkReadyMatch measures the console path while a server waits for its ready patterns
// (three substrings and two regexps that never match: the worst case, every line scanned),
// against BenchmarkConsole/subscribers=0 without patterns.
func BenchmarkReadyMatch(b *testing.B) {
	match, err := compileReady([]string{"Done (", "Listening on", "Server started",
		`regex:^\[\d+:\d+:\d+ INFO\]: Timings Reset$`, `regex:(?i)ready for connections`})
	if err != nil {
		b.Fatal(err)
	}
	r := newRing(1000, time.Now, newHub(time.Now))
	emit := func(lines []string) {
		r.addBatch(lines)
		if match.anyLine(lines) {
			b.Fatal("matched")
		}
	}
	b.SetBytes(int64(len(consolePayload)))
	b.ResetTimer()
	for range b.N {
		_ = scanLines(bytes.NewReader(consolePayload), 8<<10, emit)
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "lines/s")
}
