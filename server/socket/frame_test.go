package socket

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestConsoleFrame: the hand-rolled encoding decodes to the line with encoding/json, and the
// frame header carries the payload length in each of its three forms.
func TestConsoleFrame(t *testing.T) {
	for _, tc := range []struct{ name, line string }{
		{"empty", ""},
		{"plain", "[10:30:15] [Server thread/INFO]: Done (3.2s)!"},
		{"quotes and backslashes", `say "hi" \o/ C:\path`},
		{"controls", "a\tb\rc\nd\x00e\x1bf\x7f"},
		{"unicode", "héllo wörld ✓ 😀 \u2028 \u2029 end"},
		{"125 bytes", strings.Repeat("x", 125-len(`{"type":"console","data":""}`))},
		{"126 bytes", strings.Repeat("x", 126-len(`{"type":"console","data":""}`))},
		{"64 KiB", strings.Repeat("y", 70000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := consoleFrame(tc.line)
			payload := framePayload(t, f.b)
			want, _ := json.Marshal(struct {
				Type string `json:"type"`
				Data string `json:"data"`
			}{"console", tc.line})
			if !bytes.Equal(payload, want) {
				t.Fatalf("payload\n got %s\nwant %s", payload, want)
			}
		})
	}
}

// framePayload checks an unmasked final text frame and returns its payload.
func framePayload(t *testing.T, b []byte) []byte {
	t.Helper()
	if len(b) < 2 || b[0] != 0x81 || b[1]&0x80 != 0 {
		t.Fatalf("not an unmasked final text frame: % x", b[:min(len(b), 10)])
	}
	n, hdr := int(b[1]), 2
	switch n {
	case 126:
		n, hdr = int(b[2])<<8|int(b[3]), 4
		if n < 126 {
			t.Fatalf("length %d in the 16-bit form", n)
		}
	case 127:
		n, hdr = int(b[6])<<24|int(b[7])<<16|int(b[8])<<8|int(b[9]), 10
		if n <= 0xFFFF {
			t.Fatalf("length %d in the 64-bit form", n)
		}
	}
	if len(b)-hdr != n {
		t.Fatalf("header says %d bytes, frame has %d", n, len(b)-hdr)
	}
	return b[hdr:]
}
