package puffer

import (
	"fmt"
	"path"
	"strings"

	"github.com/skypanel/skypanel/templates"
)

// hooks converts run.pre and run.post for env. PufferPanel runs them around every start;
// templates have install steps (run once) and config files (rewritten before every start), so
// a pre writefile becomes a config file with the "file" parser — each line of its text
// replaces the line starting with the same key (the text up to and including the first '=',
// else the whole line) — and any other operation that applies in env is refused.
func (c *conv) hooks(r rawRun, env string) ([]templates.ConfigFile, error) {
	var files []templates.ConfigFile
	for i, op := range r.Pre {
		f := fmt.Sprintf("run.pre[%d]", i)
		run, err := c.applies(f, op, env)
		if err != nil || !run {
			if err != nil {
				return nil, err
			}
			continue
		}
		if op.typ() != "writefile" {
			return nil, unsupported(f, "%s before every start has no equivalent in templates (a writefile has)", op.typ())
		}
		cf, err := c.preWriteFile(f, op)
		if err != nil {
			return nil, err
		}
		for _, other := range files {
			if other.File == cf.File {
				return nil, unsupported(f+".target", "%s is written twice before a start", cf.File)
			}
		}
		files = append(files, cf)
		c.note(env, "%s: %s is rewritten before every start line by line: each line replaces the line that starts "+
			"with the same key (up to '='); other lines of the file are kept", f, cf.File)
	}
	for i, op := range r.Post {
		f := fmt.Sprintf("run.post[%d]", i)
		run, err := c.applies(f, op, env)
		if err != nil {
			return nil, err
		}
		if run {
			return nil, unsupported(f, "%s after the server stops has no equivalent in templates", op.typ())
		}
	}
	return files, nil
}

// preWriteFile turns a writefile into a config file: one set per non-blank line.
func (c *conv) preWriteFile(f string, op rawOp) (templates.ConfigFile, error) {
	r := fieldReader{f: f, op: op, p: c.p}
	target, text := r.str("target", inPath), r.str("text", inText)
	if r.err != nil {
		return templates.ConfigFile{}, r.err
	}
	target = path.Clean(target)
	if templates.CheckConfigFile(target) != nil {
		return templates.ConfigFile{}, invalid(f+".target", "%q is not a file inside the server folder", target)
	}
	cf := templates.ConfigFile{File: target, Parser: templates.ParserFile, Set: []templates.ConfigSet{}}
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 || len(lines) > templates.MaxConfigSets {
		return cf, unsupported(f+".text", "%d lines; a config file takes 1 to %d", len(lines), templates.MaxConfigSets)
	}
	for n, l := range lines {
		key := l
		if i := strings.IndexByte(l, '='); i >= 0 {
			key = l[:i+1]
		}
		if strings.Contains(key, "{{") {
			return cf, unsupported(f+".text", "line %d: a placeholder before '=' would change which line it replaces", n+1)
		}
		for m, other := range lines {
			if m != n && strings.HasPrefix(other, key) {
				return cf, unsupported(f+".text", "lines %d and %d both start with %q; which one a line replaces would be ambiguous",
					n+1, m+1, key)
			}
		}
		cf.Set = append(cf.Set, templates.ConfigSet{Key: key, Value: l})
	}
	return cf, nil
}
