package main

import (
	"testing"
	"time"
)

func TestParseLine(t *testing.T) {
	for _, tc := range []struct {
		name   string
		msg    string
		seq, t int64
		ok     bool
	}{
		{"line", `{"type":"console","data":"[12:00:00] [Server thread/INFO]: seq=42 t=1700000000000000001 ....."}`, 42, 1700000000000000001, true},
		{"notice", `{"type":"console","data":"[SkyPanel Daemon] 3 messages were dropped"}`, 0, 0, false},
		{"status", `{"type":"status","data":{"state":"running","running":true}}`, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq, ts, ok := parseLine([]byte(tc.msg))
			if seq != tc.seq || ts != tc.t || ok != tc.ok {
				t.Fatalf("got %d %d %v", seq, ts, ok)
			}
		})
	}
}

func TestHistogram(t *testing.T) {
	var h histogram
	for i := 1; i <= 100; i++ {
		h.add(time.Duration(i) * time.Millisecond)
	}
	h.add(2 * time.Second) // beyond the buckets
	if p := h.pct(50); p < 50*time.Millisecond || p > 52*time.Millisecond {
		t.Fatalf("p50 %v", p)
	}
	if p := h.pct(99.9); p != 2*time.Second {
		t.Fatalf("p99.9 %v", p)
	}
}

func TestRSSTrend(t *testing.T) {
	flat := &result{window: time.Minute, rss: []int64{100 << 20, 101 << 20, 99 << 20, 100 << 20, 100 << 20}}
	growing := &result{window: time.Minute}
	for i := range 60 {
		growing.rss = append(growing.rss, int64(100+i)<<20) // 1 MiB/s
	}
	if !flat.rssFlat() {
		t.Fatalf("flat samples: trend %.1f MiB/min", flat.rssTrend()/(1<<20))
	}
	if growing.rssFlat() || growing.rssTrend() < 59<<20 {
		t.Fatalf("growing samples: trend %.1f MiB/min", growing.rssTrend()/(1<<20))
	}
}
