package daemon

import (
	"fmt"
	"regexp"
	"strings"
)

// ReadyRegexPrefix marks a Definition.Ready pattern that is an RE2 regular expression; other
// patterns are plain substrings.
const ReadyRegexPrefix = "regex:"

// Bounds of Definition.Ready (daemon.yaml's) and of the text of a line that is matched.
const (
	maxReadyPatterns  = 16
	maxReadyPattern   = 512
	maxReadyLineBytes = 4096 // only the start of a longer line is matched
)

// readyMatcher finds the first console line that shows a server is ready.
type readyMatcher struct {
	subs []string
	res  []*regexp.Regexp
}

// compileReady compiles Definition.Ready (nil when there is no pattern: ready at once). Errors
// wrap ErrInvalidDefinition and name the pattern.
func compileReady(patterns []string) (*readyMatcher, error) {
	if len(patterns) == 0 {
		return nil, nil
	}
	if len(patterns) > maxReadyPatterns {
		return nil, fmt.Errorf("%w: ready: %d patterns, at most %d", ErrInvalidDefinition, len(patterns), maxReadyPatterns)
	}
	r := &readyMatcher{}
	for i, p := range patterns {
		if p == "" || len(p) > maxReadyPattern {
			return nil, fmt.Errorf("%w: ready[%d]: must be 1 to %d bytes", ErrInvalidDefinition, i, maxReadyPattern)
		}
		expr, isRE := strings.CutPrefix(p, ReadyRegexPrefix)
		if !isRE {
			r.subs = append(r.subs, p)
			continue
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("%w: ready[%d]: invalid regular expression: %w", ErrInvalidDefinition, i, err)
		}
		r.res = append(r.res, re)
	}
	return r, nil
}

// anyLine reports whether one of lines matches (each line's first maxReadyLineBytes only, so
// a flood of long lines costs a bounded amount per line).
func (r *readyMatcher) anyLine(lines []string) bool {
	for _, l := range lines {
		if len(l) > maxReadyLineBytes {
			l = l[:maxReadyLineBytes]
		}
		for _, sub := range r.subs {
			if strings.Contains(l, sub) {
				return true
			}
		}
		for _, re := range r.res {
			if re.MatchString(l) {
				return true
			}
		}
	}
	return false
}

// consoleSink returns what the output pump of p hands its lines to: the console ring, and,
// until p is ready, the ready matcher (which marks p ready after the matching batch).
func (m *Manager) consoleSink(s *server, p *proc) func([]string) {
	match := p.ready
	if match == nil {
		return s.ring.addBatch
	}
	return func(lines []string) {
		s.ring.addBatch(lines)
		if match != nil && match.anyLine(lines) {
			match = nil
			m.markReady(s, p)
		}
	}
}

// markReady turns p's server from starting to running (the state itself is running already:
// statusLocked reported starting while p.starting) and publishes the change.
func (m *Manager) markReady(s *server, p *proc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != p || !p.starting {
		return
	}
	p.starting = false
	s.hub.publish(Event{Kind: EventStatus, Status: s.statusLocked()})
}
