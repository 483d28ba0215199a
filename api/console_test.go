package api

import (
	"errors"
	"fmt"
	"testing"

	"github.com/coder/websocket"
)

func TestDecodeMessage(t *testing.T) {
	cases := []struct {
		raw   string
		check func(ConsoleMessage) bool
	}{
		{`{"type":"console","data":"hello"}`, func(m ConsoleMessage) bool { return m.Line == "hello" }},
		{`{"type":"stats","data":{"cpu":1.5,"memory":10,"memoryTotal":20}}`, func(m ConsoleMessage) bool { return m.Stats.Cpu == 1.5 && m.Stats.MemoryTotal == 20 }},
		{`{"type":"status","data":{"state":"running","running":true}}`, func(m ConsoleMessage) bool { return m.Status.State == ServerStateRunning && m.Status.Running }},
		{`{"type":"error","data":{"code":"ErrServerNotRunning","msg":"no"}}`, func(m ConsoleMessage) bool { return m.Error.Code == ErrorCodeErrServerNotRunning }},
		{`{"type":"token_expiring","data":{"expiresIn":60}}`, func(m ConsoleMessage) bool { return m.ExpiresIn == 60 }},
		{`{"type":"future","data":{"x":1}}`, func(m ConsoleMessage) bool { return m.Type == "future" }},
	}
	for _, tc := range cases {
		m, err := decodeMessage([]byte(tc.raw))
		if err != nil || !tc.check(m) {
			t.Errorf("decode %s = %+v, %v", tc.raw, m, err)
		}
	}
	if _, err := decodeMessage([]byte(`{"type":"stats","data":"oops"}`)); err == nil {
		t.Error("stats with a string decoded without error")
	}
}

func TestNewRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		url, id, secret string
		want            error
	}{
		{"ftp://panel", "id", "s", ErrBaseURL},
		{"panel.example.com", "id", "s", ErrBaseURL},
		{"https://panel.example.com", "", "s", ErrCredentials},
		{"https://panel.example.com", "id", "", ErrCredentials},
	} {
		if _, err := New(tc.url, tc.id, tc.secret); !errors.Is(err, tc.want) {
			t.Errorf("New(%q, %q, %q) = %v, want %v", tc.url, tc.id, tc.secret, err, tc.want)
		}
	}
	if _, err := New("https://panel.example.com/", "id", "s"); err != nil {
		t.Fatal(err)
	}
}

func TestCloseCode(t *testing.T) {
	if got := CloseCode(fmt.Errorf("api: console: %w", websocket.CloseError{Code: 4001, Reason: "expired"})); got != 4001 {
		t.Fatalf("CloseCode = %d, want 4001", got)
	}
	if got := CloseCode(errors.New("eof")); got != -1 {
		t.Fatalf("CloseCode(other) = %d, want -1", got)
	}
}
