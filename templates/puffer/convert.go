package puffer

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/skypanel/skypanel/templates"
)

var slugUnsafe = regexp.MustCompile(`[^a-z0-9._]+`)

// conv holds what every environment's conversion shares.
type conv struct {
	p     placeholders
	env   map[string]string   // run.environmentVars, converted
	notes map[string][]string // by environment; "" = all
}

func (c *conv) note(env, format string, args ...any) {
	c.notes[env] = append(c.notes[env], fmt.Sprintf(format, args...))
}

// perEnv is what may differ between environments: install steps, run command, config files.
type perEnv struct {
	install     []templates.Step
	command     string
	configFiles []templates.ConfigFile
}

// Convert turns a PufferPanel template (JSON) into a template that passes templates'
// validation and returns what it keeps of the source in Meta. Errors are
// *templates.SourceError naming the source's field (e.g. "install[3].type",
// "data.version.type"), wrapping ErrInvalid or ErrUnsupported.
func Convert(raw []byte) (templates.Template, Meta, error) {
	src, err := decodeTemplate(raw)
	if err != nil {
		return templates.Template{}, Meta{}, err
	}
	t, m, err := convert(src)
	if err != nil {
		return templates.Template{}, Meta{}, err
	}
	return t, m, nil
}

func convert(src *rawTemplate) (templates.Template, Meta, error) {
	m := Meta{Format: Format, Type: src.Type, Display: src.Display, Icon: src.Icon, Requirements: src.Requirements,
		Command: src.Run.Command, Stop: src.Run.Stop, StopCode: src.Run.StopCode, Stdin: src.Run.Stdin.Type,
		AutoStart: src.Run.AutoStart, AutoRecover: src.Run.AutoRecover, AutoRestart: src.Run.AutoRestart,
		ExitCode: src.Run.ExpectedExitCode, Stats: src.Stats, Query: src.Query, Groups: src.Groups}
	t := templates.Template{Name: slug(src.Display), Display: strings.TrimSpace(src.Display), Type: kind(src.Type),
		SupportedVersions: []string{}, Install: []templates.Step{}, Variables: map[string]templates.Variable{}}
	if t.Name == "" || len(t.Display) > 100 {
		return t, m, invalid("display", "required, at most 100 characters, with a letter or digit")
	}
	c := &conv{notes: map[string][]string{}}
	envs, err := c.common(&t, &m, src)
	if err != nil {
		return t, m, err
	}
	if err := c.chooseEnvironments(&t, src, envs); err != nil {
		return t, m, err
	}
	if len(*c.p.rootDir) > 0 {
		c.note("", "%s: ${rootDir} became \".\", the server folder, where commands run and paths start",
			strings.Join(*c.p.rootDir, ", "))
	}
	for _, env := range append([]string{""}, t.Environments...) {
		for _, n := range c.notes[env] {
			if !slices.Contains(m.Notes, n) {
				m.Notes = append(m.Notes, n)
			}
		}
	}
	if err := checkEditable(&t, &m); err != nil {
		return t, m, err
	}
	if err := t.Validate(); err != nil {
		var fe *templates.FieldError
		if errors.As(err, &fe) {
			err = fmt.Errorf("%s: %s", fe.Field, fe.Reason)
		}
		return t, m, unsupported("$", "the converted template is not valid: %v", err)
	}
	return t, m, nil
}

// common converts what all environments share: requirements, environments, variables, run
// settings. It returns templates' environments, default first.
func (c *conv) common(t *templates.Template, m *Meta, src *rawTemplate) ([]string, error) {
	if err := checkRequirements(c, src.Requirements); err != nil {
		return nil, err
	}
	envs, err := convertEnvironments(c, t, m, src)
	if err != nil {
		return nil, err
	}
	if c.p, err = convertVariables(t, m, src); err != nil {
		return nil, err
	}
	if err := c.environmentVars(src.Run.EnvironmentVars); err != nil {
		return nil, err
	}
	if err := c.stop(src.Run, &t.Run); err != nil {
		return nil, err
	}
	if st := src.Run.Stdin.Type; st != "" && st != "stdin" {
		return nil, unsupported("run.stdin.type", "%q: templates send console input on stdin only", st)
	}
	if src.Run.WorkingDirectory != "" {
		return nil, unsupported("run.workingDirectory", "servers run in their folder")
	}
	if len(src.Uninstall) > 0 {
		c.note("", "uninstall: %d operations run when PufferPanel deletes a server are left out (the server folder is deleted)",
			len(src.Uninstall))
	}
	if isEmpty(src.Run.Command) {
		return nil, invalid("run.command", "required")
	}
	return envs, nil
}

// chooseEnvironments converts install and run for every environment and keeps the first
// that converts and those converting to the same; the others are named in the notes.
func (c *conv) chooseEnvironments(t *templates.Template, src *rawTemplate, envs []string) error {
	results := make([]perEnv, len(envs))
	errs := make([]error, len(envs))
	keep := -1
	for i, env := range envs {
		results[i], errs[i] = c.forEnvironment(src, env)
		if errs[i] == nil && keep < 0 {
			keep = i
		}
	}
	if keep < 0 {
		return errs[0]
	}
	for i, env := range envs {
		switch {
		case errs[i] != nil:
			c.note("", "the %s environment is left out: %v", env, errs[i])
		case i == keep || reflect.DeepEqual(results[i], results[keep]):
			t.Environments = append(t.Environments, env)
		default:
			c.note("", "the %s environment is left out: its install steps or run command differ from the %s environment's",
				env, envs[keep])
		}
	}
	t.Install, t.Run.Command, t.ConfigFiles = results[keep].install, results[keep].command, results[keep].configFiles
	if !slices.Contains(t.Environments, templates.EnvDocker) {
		t.Image = ""
	}
	return nil
}

// forEnvironment converts install, run.command, run.pre and run.post for env.
func (c *conv) forEnvironment(src *rawTemplate, env string) (perEnv, error) {
	var r perEnv
	var err error
	if r.install, err = c.operations("install", src.Install, env); err != nil {
		return r, err
	}
	if r.command, err = c.command(src.Run.Command, env); err != nil {
		return r, err
	}
	r.configFiles, err = c.hooks(src.Run, env)
	return r, err
}

// checkRequirements refuses a template for operating systems other than Linux and notes
// the architectures and binaries it needs.
func checkRequirements(c *conv, r *Requirements) error {
	if r == nil {
		return nil
	}
	if r.OS != "" && !slices.Contains(splitAlternatives(r.OS), "linux") {
		return unsupported("requirements.os", "%q: nodes run Linux", r.OS)
	}
	if r.Arch != "" {
		c.note("", "requirements.arch: the node must be %s", strings.Join(splitAlternatives(r.Arch), " or "))
	}
	if len(r.Binaries) > 0 {
		c.note(templates.EnvStandard, "requirements.binaries: a standard environment's node needs %s",
			strings.Join(r.Binaries, ", "))
	}
	return nil
}

func splitAlternatives(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "||") {
		out = append(out, strings.TrimSpace(p))
	}
	return out
}

// checkEditable makes admin-only, with a note, what templates let only administrators set: a
// free-form string the template lets users edit that reaches a command line. The value stays
// settable by administrators; nothing is dropped.
func checkEditable(t *templates.Template, m *Meta) error {
	for _, mv := range m.Variables {
		if t.InjectableString(mv.Template) {
			v := t.Variables[mv.Template]
			v.UserEditable = new(bool)
			t.Variables[mv.Template] = v
			m.Notes = append(m.Notes, fmt.Sprintf("data.%s.userEdit: %s is a free-form string used in a command; "+
				"only administrators may set it", mv.Name, mv.Name))
		}
	}
	return nil
}

// slug makes a template name from the display name.
func slug(display string) string {
	s := slugUnsafe.ReplaceAllString(strings.ToLower(display), "-")
	s = strings.Trim(s, "._-")
	if len(s) > 64 {
		s = strings.TrimRight(s[:64], "._-")
	}
	return s
}

// kind maps PufferPanel's type onto templates' kinds of runtime.
func kind(typ string) string {
	if typ == "minecraft-java" {
		return "java"
	}
	return "generic"
}
