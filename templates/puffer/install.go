package puffer

import (
	"fmt"
	"path"
	"strings"

	"github.com/skypanel/skypanel/templates"
)

// containerRoot is where PufferPanel's docker environment mounts the server folder (and runs
// commands); a docker command step that names it gets it as its mount.
const containerRoot = "/pufferpanel"

// operations converts install operations for the environment env: operations whose "if" is
// false there are skipped, console and sleep are left out (noted), the others map onto the
// step of the same name; an operation templates have no step for is refused.
func (c *conv) operations(field string, ops []rawOp, env string) ([]templates.Step, error) {
	steps := []templates.Step{}
	var fields []string       // the source field of each step
	dirs := map[string]bool{} // folders made by mkdir steps
	for i, op := range ops {
		f := fmt.Sprintf("%s[%d]", field, i)
		run, err := c.applies(f, op, env)
		if err != nil {
			return nil, err
		}
		if !run {
			continue
		}
		switch typ := op.typ(); typ {
		case "console", "sleep":
			c.note(env, "%s: the %s operation only affects PufferPanel's console or timing; it is left out", f, typ)
			continue
		case "":
			return nil, invalid(f+".type", "required")
		}
		s, err := c.step(f, op, env)
		if err != nil {
			return nil, err
		}
		if s.Type == templates.StepMkdir {
			dirs[path.Clean(s.Files[0])] = true
		}
		if s.Type == templates.StepMove && strings.ContainsAny(s.Source, "*?[") &&
			!strings.HasSuffix(s.Target, "/") && !dirs[path.Clean(s.Target)] {
			if err := c.foldMove(f, env, steps, fields, s); err != nil {
				return nil, err
			}
			continue
		}
		steps = append(steps, s)
		fields = append(fields, f)
	}
	return steps, nil
}

// foldMove handles a move of a pattern onto a file name, which PufferPanel does by renaming
// the one matching file and templates cannot (their move puts pattern matches into a folder):
// right after a one-file download, the download saves the file under that name instead;
// anywhere else it is refused.
func (c *conv) foldMove(f, env string, steps []templates.Step, fields []string, mv templates.Step) error {
	n := len(steps)
	if n == 0 || !foldable(steps[n-1], mv.Source) {
		return unsupported(f+".source", "%q is a pattern and %q is not a folder the template makes: "+
			"PufferPanel renames the one matching file, templates move pattern matches into a folder", mv.Source, mv.Target)
	}
	steps[n-1].Target = mv.Target
	how := "its URL's name matches"
	if !urlMatches(steps[n-1].Files[0], mv.Source) {
		how = "the download site names the file (the URL's name does not match); the file downloaded is taken to be the one"
	}
	c.note(env, "%s: %s saves the file as %s, which the move of %s did (%s)", f, fields[n-1], mv.Target, mv.Source, how)
	return nil
}

// foldable reports whether prev downloads exactly one file into the server folder under the
// name the server gives it: the move of a pattern onto a file name right after it renames
// that file (PufferPanel names a download by the answer's Content-Disposition, else the
// URL), so the download can save it under the move's target instead.
func foldable(prev templates.Step, pattern string) bool {
	return prev.Type == templates.StepDownload && len(prev.Files) == 1 && prev.Target == "" && prev.API == "" &&
		!strings.Contains(pattern, "/")
}

// urlMatches reports whether the URL's file name matches the move pattern.
func urlMatches(rawURL, pattern string) bool {
	u, _, _ := strings.Cut(rawURL, "?")
	u, _, _ = strings.Cut(u, "#")
	ok, err := path.Match(pattern, path.Base(u))
	return err == nil && ok
}

// applies decides the operation's "if" for env.
func (c *conv) applies(f string, op rawOp, env string) (bool, error) {
	cond, err := op.str("if")
	if err != nil {
		return false, invalid(f+".if", "%v", err)
	}
	ok, err := decide(cond, env)
	if err != nil {
		return false, unsupported(f+".if", "%v", err)
	}
	return ok, nil
}

// step maps one operation onto a step, reading PufferPanel's field names.
func (c *conv) step(f string, op rawOp, env string) (templates.Step, error) {
	r := fieldReader{f: f, op: op, p: c.p}
	var s templates.Step
	switch typ := op.typ(); typ {
	case "download":
		s = templates.Step{Type: templates.StepDownload, Files: r.list("files", inText)}
	case "mojangdl":
		s = templates.Step{Type: templates.StepMojangDL, Version: r.str("version", inText), Target: r.str("target", inPath)}
	case "command":
		s = templates.Step{Type: templates.StepCommand, Commands: c.commands(&r, env)}
		if env == templates.EnvDocker && strings.Contains(strings.Join(s.Commands, "\n"), containerRoot) {
			s.Mount = containerRoot
		}
	case "writefile":
		s = templates.Step{Type: templates.StepWriteFile, Target: r.str("target", inPath), Text: r.str("text", inText)}
	case "mkdir":
		s = templates.Step{Type: templates.StepMkdir, Files: []string{r.str("target", inPath)}}
	case "move":
		s = templates.Step{Type: templates.StepMove, Source: r.str("source", inPath), Target: r.str("target", inPath)}
	case "extract":
		s = templates.Step{Type: templates.StepExtract, Source: r.str("source", inPath), Target: r.str("destination", inPath)}
	case "alterfile":
		s = templates.Step{Type: templates.StepAlterFile, Target: r.str("file", inPath), Search: r.str("search", inText),
			Replace: r.str("replace", inText), Regex: r.boolean("regex")}
	default:
		return s, unsupported(f+".type", "%q has no install step in templates (steps: %s)", typ,
			strings.Join(templates.StepTypes, ", "))
	}
	if r.err != nil {
		return s, r.err
	}
	if err := s.Validate(); err != nil {
		return s, invalid(f, "%v", err)
	}
	return s, nil
}

// commands converts a command operation's commands into shell lines (run.environmentVars in
// front, as PufferPanel passes them to install commands too).
func (c *conv) commands(r *fieldReader, env string) []string {
	cmds := r.list("commands", inPath)
	if r.err != nil {
		return nil
	}
	out := make([]string, 0, len(cmds))
	for i, cmd := range cmds {
		line, err := shellLine(cmd, c.env, false)
		if err != nil {
			r.err = invalid(fmt.Sprintf("%s.commands[%d]", r.f, i), "%v", err)
			return nil
		}
		out = append(out, line)
	}
	return out
}

// fieldReader reads an operation's fields with placeholders converted; the first error sticks.
type fieldReader struct {
	f   string
	op  rawOp
	p   placeholders
	err error
}

func (r *fieldReader) str(name string, w where) string {
	if r.err != nil {
		return ""
	}
	s, err := r.op.str(name)
	if err != nil {
		r.err = invalid(r.f+"."+name, "%v", err)
		return ""
	}
	s, r.err = r.p.convert(r.f+"."+name, s, w)
	return s
}

func (r *fieldReader) list(name string, w where) []string {
	if r.err != nil {
		return nil
	}
	ss, err := r.op.list(name)
	if err != nil {
		r.err = invalid(r.f+"."+name, "%v", err)
		return nil
	}
	ss, r.err = r.p.list(r.f+"."+name, ss, w)
	return ss
}

func (r *fieldReader) boolean(name string) bool {
	if r.err != nil {
		return false
	}
	b, err := r.op.boolean(name)
	if err != nil {
		r.err = invalid(r.f+"."+name, "%v", err)
	}
	return b
}
