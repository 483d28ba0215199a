package egg

import (
	"slices"
	"strings"
	"testing"
)

// TestStopMapping: config.stop as Pterodactyl and Wings read it.
func TestStopMapping(t *testing.T) {
	for _, tt := range []struct{ stop, command, signal string }{
		{"stop", "stop", ""},
		{" quit ", "quit", ""},
		{"^C", "", "SIGINT"},
		{"^c", "", "SIGINT"},
		{"^SIGINT", "", "SIGINT"},
		{"^SIGTERM", "", ""},
		{"", "", ""},
	} {
		tpl, m, err := Convert(mutate(t, "paper", func(e egg) { config(e)["stop"] = tt.stop }))
		if err != nil {
			t.Fatalf("%q: %v", tt.stop, err)
		}
		if tpl.Run.Stop != tt.command || tpl.Run.StopSignal != tt.signal {
			t.Errorf("%q: run.stop %q, run.stopSignal %q; want %q, %q", tt.stop, tpl.Run.Stop, tpl.Run.StopSignal, tt.command, tt.signal)
		}
		if tt.stop == "" && !hasNote(m.Notes, "config.stop") {
			t.Errorf("empty stop: no note in %q", m.Notes)
		}
	}
}

// TestReadyMapping: config.startup.done (string or list, PTDL_v2 string-encoded or PLCN_v1
// object) becomes run.ready with Wings' matching rule kept.
func TestReadyMapping(t *testing.T) {
	for _, tt := range []struct {
		name    string
		startup any
		want    []string
		note    bool
	}{
		{"string", `{"done": "Done ("}`, []string{"Done ("}, false},
		{"list object", egg{"done": []any{"a", "regex:^b\\d+$"}}, []string{"a", "regex:^b\\d+$"}, false},
		{"empty pattern dropped", egg{"done": []any{"", "ok"}}, []string{"ok"}, true},
		{"only empty", `{"done": ""}`, nil, true},
		{"bare regex: is a substring for Wings", egg{"done": "regex:"}, []string{"regex:regex:"}, false},
		{"no done", "{}", nil, false},
		{"ansi", egg{"done": "x", "strip_ansi": true}, []string{"x"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tpl, m, err := Convert(mutate(t, "paper", func(e egg) { config(e)["startup"] = tt.startup }))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tpl.Run.Ready, tt.want) {
				t.Errorf("run.ready %q, want %q", tpl.Run.Ready, tt.want)
			}
			if got := hasNote(m.Notes, "config.startup.done") || hasNote(m.Notes, "config.startup.strip_ansi"); got != tt.note {
				t.Errorf("note %v, want %v: %q", got, tt.note, m.Notes)
			}
		})
	}
}

func hasNote(notes []string, prefix string) bool {
	for _, n := range notes {
		if strings.HasPrefix(n, prefix+":") {
			return true
		}
	}
	return false
}
