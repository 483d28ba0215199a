package puffer

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// token matches a PufferPanel placeholder ${name}.
var token = regexp.MustCompile(`\$\{([^{}]*)\}`)

// PufferPanel's built-in placeholders (beside the template's data).
const (
	builtinRootDir = "rootDir"
	builtinOS      = "core:os"
)

// where says what a source string is, for ${rootDir}: a path or command (run in the server
// folder, so "." is the folder) or free text (file contents), where no path is known.
type where int

const (
	inPath where = iota
	inText
)

// placeholders converts ${name} into {{name}} for the template's variables.
type placeholders struct {
	names   map[string]string // data key → template placeholder (a variable or a built-in)
	rootDir *[]string         // fields where ${rootDir} became "." (for a note)
}

// convert returns s with PufferPanel's placeholders replaced by ours. '{{' in the source is
// refused (it would become a placeholder); unknown ${…} stay literal, as PufferPanel leaves them.
func (p placeholders) convert(field, s string, w where) (string, error) {
	if strings.Contains(s, "{{") {
		return "", unsupported(field, "%q: '{{' would be read as a SkyPanel placeholder", s)
	}
	var err error
	out := token.ReplaceAllStringFunc(s, func(m string) string {
		name := token.FindStringSubmatch(m)[1]
		if ours, ok := p.names[name]; ok {
			return "{{" + ours + "}}"
		}
		switch {
		case name == builtinOS:
			return "linux"
		case name == builtinRootDir && w == inPath:
			if p.rootDir != nil && !slices.Contains(*p.rootDir, field) {
				*p.rootDir = append(*p.rootDir, field)
			}
			return "."
		case name == builtinRootDir:
			if err == nil {
				err = unsupported(field, "%s is the server folder only in paths and commands; in file contents its value is unknown", m)
			}
		case name == "serverId" || strings.HasPrefix(name, "core:"):
			if err == nil {
				err = unsupported(field, "%s is a PufferPanel built-in templates have no equivalent for", m)
			}
		}
		return m
	})
	return out, err
}

// list converts every element of ss (field[i]).
func (p placeholders) list(field string, ss []string, w where) ([]string, error) {
	out := make([]string, len(ss))
	for i, s := range ss {
		var err error
		if out[i], err = p.convert(fmt.Sprintf("%s[%d]", field, i), s, w); err != nil {
			return nil, err
		}
	}
	return out, nil
}
