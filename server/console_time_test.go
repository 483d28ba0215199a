package server

import (
	"testing"
	"time"
)

func TestConsoleCursor(t *testing.T) {
	at := time.Date(2024, 1, 15, 10, 30, 15, 123456000, time.UTC)
	for _, tc := range []struct {
		name string
		in   int64
		want int64
	}{
		{"zero is the whole backlog", 0, 0},
		{"seconds", at.Unix(), at.Unix() * 1_000_000},
		{"milliseconds", at.UnixMilli(), at.UnixMilli() * 1_000},
		{"microsecond cursor unchanged", at.UnixMicro(), at.UnixMicro()},
		{"consecutive cursor unchanged", at.UnixMicro() + 1, at.UnixMicro() + 1},
		{"largest seconds", consoleSecondsBelow - 1, (consoleSecondsBelow - 1) * 1_000_000},
		{"smallest milliseconds", consoleSecondsBelow, consoleSecondsBelow * 1_000},
		{"smallest cursor", consoleMillisBelow, consoleMillisBelow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := consoleCursor(tc.in); got != tc.want {
				t.Errorf("consoleCursor(%d) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}
