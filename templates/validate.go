package templates

import (
	"fmt"
	"regexp"
	"sort"
)

var (
	namePattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	varNamePattern  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	sha256Pattern   = regexp.MustCompile(`^[a-f0-9]{64}$`)
	sha1Pattern     = regexp.MustCompile(`^[a-f0-9]{40}$`)
	placeholderExpr = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)
)

// maxStopTimeout bounds run.stopTimeout (seconds), as the API does.
const maxStopTimeout = 3600

// Placeholders returns the names of the {{name}} placeholders in s, in order of appearance.
func Placeholders(s string) []string {
	var out []string
	for _, m := range placeholderExpr.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// Validate checks t: names and sizes, environments, run settings (stop signal, ready
// patterns), variables (types, options, bounds, patterns, defaults, hidden), install steps
// (known types, the fields each needs, mounts) and config files, and that every placeholder
// names a variable of t or a built-in. Errors wrap ErrInvalidTemplate and name the field
// ("run.ready[1]", "configFiles[0].set[2].key", "variables.port.pattern").
func (t *Template) Validate() error {
	bad := func(field, format string, args ...any) error {
		return badField(t.Name, field, format, args...)
	}
	switch {
	case !namePattern.MatchString(t.Name):
		return bad("name", "%q must be 1-64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit", t.Name)
	case t.Display == "" || len(t.Display) > 100:
		return bad("display", "required, at most 100 characters")
	case t.Type == "" || len(t.Type) > 64:
		return bad("type", "required, at most 64 characters")
	case len(t.Environments) == 0:
		return bad("environments", "at least one of %q, %q", EnvDocker, EnvStandard)
	case t.Run.Command == "":
		return bad("run.command", "required")
	case t.Run.StopTimeout != nil && (*t.Run.StopTimeout < 0 || *t.Run.StopTimeout > maxStopTimeout):
		return bad("run.stopTimeout", "%d is out of range (0 to %d)", *t.Run.StopTimeout, maxStopTimeout)
	}
	if err := t.validateRun(bad); err != nil { // validate_run.go
		return err
	}
	if t.SupportedVersions == nil {
		t.SupportedVersions = []string{}
	}
	for _, e := range t.Environments {
		if e != EnvDocker && e != EnvStandard {
			return bad("environments", "%q is neither %q nor %q", e, EnvDocker, EnvStandard)
		}
	}
	for _, name := range t.variableNames() {
		if sub, err := t.Variables[name].validate(name); err != nil { // validate_vars.go
			return bad(joinField("variables."+name, sub), "%v", err)
		}
	}
	if err := t.validateEditable(); err != nil { // editable.go
		return err
	}
	return t.validatePlaceholders(bad)
}

// validatePlaceholders checks the steps and that every placeholder names a variable of t or a
// built-in.
func (t *Template) validatePlaceholders(bad func(field, format string, args ...any) error) error {
	known := t.known()
	check := func(field, s string) error {
		for _, p := range Placeholders(s) {
			if !known[p] {
				return bad(field, "placeholder {{%s}} is neither a variable of the template nor a built-in", p)
			}
		}
		return nil
	}
	if err := check("run.command", t.Run.Command); err != nil {
		return err
	}
	if err := check("run.stop", t.Run.Stop); err != nil {
		return err
	}
	for i := range t.Install {
		field := fmt.Sprintf("install[%d]", i)
		if err := t.validateMount(&t.Install[i]); err != nil { // first: Validate checks the mount too
			return bad(field+".mount", "%v", err)
		}
		if err := t.Install[i].Validate(); err != nil {
			return bad(field, "%v", err)
		}
		for name, values := range t.Install[i].strings() {
			for _, v := range values {
				if err := check(field+"."+name, v); err != nil {
					return err
				}
			}
		}
	}
	return t.validateConfigFiles(bad, check) // validate_run.go
}

// known returns the placeholder names t may use.
func (t *Template) known() map[string]bool {
	k := map[string]bool{}
	for _, b := range Builtins {
		k[b] = true
	}
	for name := range t.Variables {
		k[name] = true
	}
	return k
}

func (t *Template) variableNames() []string {
	names := make([]string, 0, len(t.Variables))
	for n := range t.Variables {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Validate checks that the step's type is known and that it has the fields its type needs.
// Placeholders are not substituted here: values are checked where they must be literal (hashes).
func (s *Step) Validate() error {
	need := func(field string, ok bool) error {
		if !ok {
			return fmt.Errorf("%s step needs %s", s.Type, field)
		}
		return nil
	}
	if s.SHA256 != "" && !sha256Pattern.MatchString(s.SHA256) {
		return fmt.Errorf("sha256 must be 64 lower-case hex digits")
	}
	if s.SHA1 != "" && !sha1Pattern.MatchString(s.SHA1) {
		return fmt.Errorf("sha1 must be 40 lower-case hex digits")
	}
	if err := s.validateMount(); err != nil { // validate_run.go
		return err
	}
	switch s.Type {
	case StepDownload:
		if s.API != "" {
			if s.API != APIPaper {
				return fmt.Errorf("unknown download api %q (known: %q)", s.API, APIPaper)
			}
			return need("files to be empty with api", len(s.Files) == 0)
		}
		if err := need("files", len(s.Files) > 0); err != nil {
			return err
		}
		if len(s.Files) > 1 && (s.SHA1 != "" || s.SHA256 != "") {
			return fmt.Errorf("a hash applies to one file; split the download")
		}
		return nil
	case StepMojangDL:
		return need("version", s.Version != "")
	case StepCommand:
		return need("commands", len(s.Commands) > 0)
	case StepWriteFile:
		return need("target", s.Target != "")
	case StepMkdir:
		return need("files", len(s.Files) > 0)
	case StepMove:
		if err := need("source", s.Source != ""); err != nil {
			return err
		}
		return need("target", s.Target != "")
	case StepExtract:
		return need("source", s.Source != "")
	case StepAlterFile:
		if err := need("target", s.Target != ""); err != nil {
			return err
		}
		return need("search", s.Search != "")
	}
	return fmt.Errorf("unknown step type %q", s.Type)
}
