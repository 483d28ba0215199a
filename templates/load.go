package templates

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
)

//go:embed builtin/*.json
var builtinFS embed.FS

// Set is an immutable collection of valid templates, by name.
type Set struct {
	byName map[string]*Template
	names  []string // sorted
}

var (
	builtinOnce sync.Once
	builtinSet  *Set
	builtinErr  error
)

// Builtin returns the templates embedded in the binary (loaded and validated once).
func Builtin() (*Set, error) {
	builtinOnce.Do(func() {
		sub, err := fs.Sub(builtinFS, "builtin")
		if err != nil {
			builtinErr = err
			return
		}
		builtinSet, builtinErr = Load(sub)
	})
	return builtinSet, builtinErr
}

// MustBuiltin is Builtin for package initialisation; the embedded templates are tested, so an
// error is a build defect.
func MustBuiltin() *Set {
	s, err := Builtin()
	if err != nil {
		panic(err)
	}
	return s
}

// Load reads every *.json file at the top of fsys as one template (file name = template name)
// and validates it.
func Load(fsys fs.FS) (*Set, error) {
	files, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	s := &Set{byName: map[string]*Template{}}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		t, err := Parse(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if want := strings.TrimSuffix(path.Base(f), ".json"); t.Name != want {
			return nil, fmt.Errorf("%s: %w: name %q differs from the file name", f, ErrInvalidTemplate, t.Name)
		}
		s.byName[t.Name] = t
		s.names = append(s.names, t.Name)
	}
	sort.Strings(s.names)
	return s, nil
}

// Parse decodes one template (unknown fields are an error), normalises variable defaults and
// validates it.
func Parse(b []byte) (*Template, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var t Template
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidTemplate, err)
	}
	for name, v := range t.Variables {
		if v.Default == nil {
			continue
		}
		norm, err := v.typed(name, v.Default, false) // bounds and pattern: Validate
		if err != nil {
			return nil, badField(t.Name, "variables."+name+".default", "%v", err)
		}
		v.Default = norm
		t.Variables[name] = v
	}
	if t.Variables == nil {
		t.Variables = map[string]Variable{}
	}
	if t.Install == nil {
		t.Install = []Step{}
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return &t, nil
}

// Get returns the template called name (ErrNotFound otherwise). Templates are shared: do not
// modify them.
func (s *Set) Get(name string) (*Template, error) {
	t, ok := s.byName[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	return t, nil
}

// Len is the number of templates.
func (s *Set) Len() int { return len(s.names) }

// List returns the templates ordered by name, from offset (at most limit; limit ≤ 0 = all).
func (s *Set) List(offset, limit int) []*Template {
	if offset < 0 {
		offset = 0
	}
	if offset >= len(s.names) {
		return []*Template{}
	}
	end := len(s.names)
	if limit > 0 && offset+limit < end {
		end = offset + limit
	}
	out := make([]*Template, 0, end-offset)
	for _, n := range s.names[offset:end] {
		out = append(out, s.byName[n])
	}
	return out
}
