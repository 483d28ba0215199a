package daemon

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkConsole measures lines/s from a process's output into the ring and out to N
// subscribers that keep up (drained in the background) — the daemon side of the console
// throughput target.
func BenchmarkConsole(b *testing.B) {
	payload := []byte(strings.Repeat("[12:00:00] [Server thread/INFO]: a typical console line of moderate length\n", 1000))
	for _, subs := range []int{0, 1, 100} {
		b.Run(fmt.Sprintf("subscribers=%d", subs), func(b *testing.B) {
			h := newHub(time.Now)
			r := newRing(1000, time.Now, h)
			for range subs {
				s, _ := h.subscribe(1024, nil)
				go func() {
					for range s.C() {
					}
				}()
				defer s.Close()
			}
			b.SetBytes(int64(len(payload)))
			b.ResetTimer()
			for range b.N {
				_ = scanLines(bytes.NewReader(payload), 8<<10, r.addBatch)
			}
			b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}
