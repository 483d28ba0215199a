package install

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/templates"
)

// Step is one install step, in the template format (templates.Step).
type Step = templates.Step

// Plan is what a server's Definition.Install holds: its template's install steps and the image
// command steps run in (docker environment; empty = the server's image).
type Plan struct {
	Image string `json:"image,omitempty"`
	Steps []Step `json:"steps"`
}

// Encode returns p as the JSON stored in Definition.Install.
func (p Plan) Encode() (json.RawMessage, error) {
	if p.Steps == nil {
		p.Steps = []Step{}
	}
	return json.Marshal(p)
}

// ParsePlan decodes and validates Definition.Install; empty means no steps. Unknown fields
// are an error (ErrInvalidPlan), so a node never silently skips part of a newer format.
func ParsePlan(raw json.RawMessage) (Plan, error) {
	var p Plan
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return p, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Plan{}, fmt.Errorf("%w: %v", ErrInvalidPlan, err)
	}
	for i := range p.Steps {
		if err := p.Steps[i].Validate(); err != nil {
			return Plan{}, fmt.Errorf("%w: step %d: %v", ErrInvalidPlan, i+1, err)
		}
	}
	return p, nil
}

// values returns the placeholder values of def: its variables and the built-ins.
func values(def daemon.Definition) map[string]string {
	v := maps.Clone(def.Variables)
	if v == nil {
		v = map[string]string{}
	}
	v[daemon.VarServerMemory] = strconv.FormatInt(def.Limits.MemoryMiB, 10)
	v[daemon.VarServerPort] = strconv.Itoa(def.Port)
	v[daemon.VarServerIP] = def.IP
	return v
}

// substitute returns s with the placeholders of its text fields replaced.
func substitute(s Step, vals map[string]string) (Step, error) {
	var err error
	one := func(field string, p *string) {
		if err == nil {
			*p, err = daemon.Substitute(field, *p, vals)
		}
	}
	list := func(field string, l []string) []string {
		out := make([]string, len(l))
		for i, x := range l {
			out[i] = x
			one(field, &out[i])
		}
		return out
	}
	s.Files = list("files", s.Files)
	s.Commands = list("commands", s.Commands)
	for field, p := range map[string]*string{"target": &s.Target, "source": &s.Source, "version": &s.Version,
		"text": &s.Text, "search": &s.Search, "replace": &s.Replace, "project": &s.Project, "build": &s.Build} {
		one(field, p)
	}
	if err != nil {
		return s, fmt.Errorf("%w: %w", ErrInvalidPlan, err)
	}
	return s, nil
}
