package transfer

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestProgress(t *testing.T) {
	now := time.Unix(1000, 0)
	var reports []int64
	p := &Progress{Every: 5 * time.Second, Clock: func() time.Time { return now }, Report: func(n int64) { reports = append(reports, n) }}
	var out bytes.Buffer
	w := p.Writer(&out)
	for i, step := range []time.Duration{0, time.Second, 4 * time.Second, time.Second, 5 * time.Second} {
		now = now.Add(step)
		if _, err := w.Write(make([]byte, 10*(i+1))); err != nil {
			t.Fatal(err)
		}
	}
	// first write starts the clock; reports at +5 s (60 bytes) and +11 s (150 bytes)
	if want := []int64{60, 150}; !slices.Equal(reports, want) || p.Bytes() != 150 || out.Len() != 150 {
		t.Fatalf("reports %v, bytes %d; want %v and 150", reports, p.Bytes(), want)
	}
	r := (&Progress{}).Reader(strings.NewReader("abc"))
	if b, _ := io.ReadAll(r); string(b) != "abc" {
		t.Fatalf("reader passed %q", b)
	}
	for n, want := range map[int64]string{5: "5 bytes", 2048: "2.0 KiB", 3 << 20: "3.0 MiB", 5 << 30: "5.0 GiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q; want %q", n, got, want)
		}
	}
}
