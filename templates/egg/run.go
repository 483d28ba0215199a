package egg

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/skypanel/skypanel/templates"
)

// convertStop maps config.stop as Pterodactyl and Wings read it: "^X" is the signal X
// (upper-cased; Wings sends SIGINT for C and SIGINT, SIGTERM for SIGTERM, SIGABRT for
// SIGABRT and SIGKILL for anything else), any other text is a console command.
func convertStop(t *templates.Template, m *Meta, e *rawEgg) error {
	stop := strings.TrimSpace(e.Config.Stop)
	sig, isSignal := strings.CutPrefix(stop, "^")
	if !isSignal {
		t.Run.Stop = stop
		if stop == "" {
			m.Notes = append(m.Notes, "config.stop: empty; the template stops the server with SIGTERM")
		}
		return nil
	}
	switch strings.ToUpper(sig) {
	case "C", "SIGINT":
		t.Run.StopSignal = "SIGINT"
	case "SIGTERM": // the template's default signal
	default:
		return unsupported("config.stop", "%q: Wings sends SIGINT for ^C, SIGTERM for ^SIGTERM and "+
			"SIGABRT or SIGKILL otherwise; templates stop with SIGINT, SIGTERM, SIGQUIT or SIGHUP", stop)
	}
	return nil
}

// convertReady maps config.startup.done (a string or a list) onto run.ready. Wings matches a
// pattern as a substring of the console line, or as a Go (RE2) regular expression after a
// "regex:" prefix — the template's own rule, so patterns are copied; an empty pattern would
// match every line and is dropped with a note, and a bare "regex:" (a substring for Wings)
// becomes the expression that finds it.
func convertReady(t *templates.Template, m *Meta, startup json.RawMessage) error {
	if startup == nil {
		return nil
	}
	var s struct {
		Done            json.RawMessage `json:"done"`
		StripANSI       bool            `json:"strip_ansi"`
		UserInteraction []string        `json:"user_interaction"`
		OldInteraction  []string        `json:"userInteraction"`
	}
	if err := json.Unmarshal(startup, &s); err != nil {
		return invalid("config.startup", "must be an object: %v", err)
	}
	if s.StripANSI {
		m.Notes = append(m.Notes, "config.startup.strip_ansi: ready patterns are matched against the console line as printed")
	}
	if len(s.UserInteraction)+len(s.OldInteraction) > 0 {
		m.Notes = append(m.Notes, "config.startup.user_interaction: not used (Pterodactyl ignores it too)")
	}
	if isEmpty(s.Done) {
		return nil
	}
	var many []string
	var one string
	if json.Unmarshal(s.Done, &one) == nil {
		many = []string{one}
	} else if err := json.Unmarshal(s.Done, &many); err != nil {
		return invalid("config.startup.done", "must be a string or a list of strings")
	}
	for _, p := range many {
		switch p {
		case "":
			m.Notes = append(m.Notes, "config.startup.done: an empty pattern would match every line; dropped")
			continue
		case templates.ReadyRegexPrefix:
			p = templates.ReadyRegexPrefix + regexp.QuoteMeta(p)
		}
		if err := templates.CheckReady(p); err != nil {
			return unsupported("config.startup.done", "a pattern templates do not take: %v", err)
		}
		t.Run.Ready = append(t.Run.Ready, p)
	}
	if len(t.Run.Ready) > templates.MaxReady {
		return unsupported("config.startup.done", "%d patterns; templates take at most %d", len(t.Run.Ready), templates.MaxReady)
	}
	return nil
}
