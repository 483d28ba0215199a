package templates

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
)

// Bounds of the run and config-file fields (the API's TemplateRun and TemplateConfigFile).
const (
	maxReadyLen      = 512
	maxConfigFileLen = 255
	maxConfigKeyLen  = 512
	maxConfigValLen  = 4096
)

// MaxReady bounds run.ready; MaxConfigFiles and MaxConfigSets bound a template's configFiles
// and each file's keys (the converters refuse a source beyond them naming the source's field).
const (
	MaxReady       = 16
	MaxConfigFiles = 32
	MaxConfigSets  = 128
)

// validateRun checks run.stopSignal and run.ready.
func (t *Template) validateRun(bad func(field, format string, args ...any) error) error {
	if s := t.Run.StopSignal; s != "" && !slices.Contains(StopSignals, s) {
		return bad("run.stopSignal", "%q is not one of %s", s, strings.Join(StopSignals, ", "))
	}
	if len(t.Run.Ready) > MaxReady {
		return bad("run.ready", "%d patterns, at most %d", len(t.Run.Ready), MaxReady)
	}
	for i, p := range t.Run.Ready {
		if err := CheckReady(p); err != nil {
			return bad(fmt.Sprintf("run.ready[%d]", i), "%v", err)
		}
	}
	return nil
}

// CheckReady checks one ready pattern: a non-empty substring, or "regex:" and an RE2
// expression that compiles; at most maxReadyLen bytes.
func CheckReady(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("a pattern cannot be empty")
	case len(p) > maxReadyLen:
		return fmt.Errorf("at most %d bytes", maxReadyLen)
	case !strings.HasPrefix(p, ReadyRegexPrefix):
		return nil
	}
	expr := strings.TrimPrefix(p, ReadyRegexPrefix)
	if expr == "" {
		return fmt.Errorf("%q needs a regular expression after it", ReadyRegexPrefix)
	}
	if _, err := regexp.Compile(expr); err != nil {
		return fmt.Errorf("not an RE2 regular expression: %w", err)
	}
	return nil
}

// validateConfigFiles checks configFiles: at most MaxConfigFiles, each a relative clean path
// listed once, a known parser, 1..MaxConfigSets keys (non-empty, addressable for the parser)
// and values whose placeholders check accepts.
func (t *Template) validateConfigFiles(bad func(field, format string, args ...any) error, check func(field, s string) error) error {
	if len(t.ConfigFiles) > MaxConfigFiles {
		return bad("configFiles", "%d files, at most %d", len(t.ConfigFiles), MaxConfigFiles)
	}
	seen := map[string]bool{}
	for i, cf := range t.ConfigFiles {
		field := fmt.Sprintf("configFiles[%d]", i)
		if err := CheckConfigFile(cf.File); err != nil {
			return bad(field+".file", "%v", err)
		}
		if seen[cf.File] {
			return bad(field+".file", "%q is listed twice; give it one entry", cf.File)
		}
		seen[cf.File] = true
		if !slices.Contains(Parsers, cf.Parser) {
			return bad(field+".parser", "%q is not one of %s", cf.Parser, strings.Join(Parsers, ", "))
		}
		if len(cf.Set) == 0 || len(cf.Set) > MaxConfigSets {
			return bad(field+".set", "%d keys, want 1 to %d", len(cf.Set), MaxConfigSets)
		}
		for j, set := range cf.Set {
			sf := fmt.Sprintf("%s.set[%d]", field, j)
			if err := checkConfigKey(cf.Parser, set.Key); err != nil {
				return bad(sf+".key", "%v", err)
			}
			if len(set.Value) > maxConfigValLen {
				return bad(sf+".value", "at most %d bytes", maxConfigValLen)
			}
			if err := check(sf+".value", set.Value); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckConfigFile checks a configFiles[].file: a clean relative path inside the server folder
// ("a/b.txt", not "/a", "../a", "a/../b", "./a" or ".") of at most maxConfigFileLen bytes.
// Validate and the converters (which name the source's field) use it.
func CheckConfigFile(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("required")
	case len(p) > maxConfigFileLen:
		return fmt.Errorf("at most %d bytes", maxConfigFileLen)
	case strings.ContainsRune(p, 0):
		return fmt.Errorf("contains a NUL byte")
	case path.IsAbs(p):
		return fmt.Errorf("%q must be relative to the server folder", p)
	case p == "." || p == ".." || strings.HasPrefix(p, "../") || path.Clean(p) != p:
		return fmt.Errorf("%q must be a clean path inside the server folder (no '..', '.', '//' or trailing '/')", p)
	}
	return nil
}

// checkConfigKey checks a config-file key: non-empty and bounded; for the parsers that read a
// dotted path (yaml, json, xml) no empty part; for xml an attribute (@name) only as the last part.
func checkConfigKey(parser, key string) error {
	switch {
	case key == "":
		return fmt.Errorf("required")
	case len(key) > maxConfigKeyLen:
		return fmt.Errorf("at most %d bytes", maxConfigKeyLen)
	case parser != ParserYAML && parser != ParserJSON && parser != ParserXML:
		return nil
	}
	parts := strings.Split(key, ".")
	for i, part := range parts {
		if part == "" {
			return fmt.Errorf("%q has an empty part (a %s key is a dotted path)", key, parser)
		}
		if parser == ParserXML && strings.HasPrefix(part, "@") && (i != len(parts)-1 || part == "@") {
			return fmt.Errorf("%q: an attribute (@name) can only be the last part", key)
		}
	}
	return nil
}

// validateMount checks a step's mount: only command steps have one, an absolute clean path
// other than "/", and only in a template that runs in the docker environment alone (the
// standard environment runs install commands in the server folder itself).
func (t *Template) validateMount(s *Step) error {
	if s.Mount == "" {
		return nil
	}
	if err := s.validateMount(); err != nil {
		return err
	}
	if len(t.Environments) != 1 || t.Environments[0] != EnvDocker {
		return fmt.Errorf("a mount needs a template whose environments are exactly [%q] (the %s environment cannot mount)",
			EnvDocker, EnvStandard)
	}
	return nil
}

// MountRoots are the folders a Step.Mount may be or be inside of; they mirror the container
// runtime's allow-list (runtime.MountRoots), so a template is refused when it is stored rather
// than when it installs: the server folder never covers the image's system folders (/, /bin,
// /etc, /usr, ...), the kernel's or the runtime's own mounts. Eggs use /mnt/server, yolks
// /home/container, imported PufferPanel templates /pufferpanel.
var MountRoots = []string{"/home", "/mnt", "/srv", "/opt", "/data", "/tmp", "/pufferpanel"}

// maxMountLen bounds Step.Mount (runtime.MaxMountLen).
const maxMountLen = 256

// validateMount checks the step's own mount (no template context): command steps only, an
// absolute clean path of at most maxMountLen bytes without NUL, ',' or ':', one of
// MountRoots or inside one.
func (s *Step) validateMount() error {
	switch m := s.Mount; {
	case m == "":
		return nil
	case s.Type != StepCommand:
		return fmt.Errorf("only %s steps have a mount", StepCommand)
	case len(m) > maxMountLen:
		return fmt.Errorf("mount is longer than %d bytes", maxMountLen)
	case !path.IsAbs(m) || path.Clean(m) != m:
		return fmt.Errorf("mount %q must be an absolute clean path", m)
	case strings.ContainsAny(m, "\x00,:"):
		return fmt.Errorf("mount %q has a NUL, ',' or ':'", m)
	}
	for _, r := range MountRoots {
		if s.Mount == r || strings.HasPrefix(s.Mount, r+"/") {
			return nil
		}
	}
	return fmt.Errorf("mount %q is not one of %s or inside one (never /, /etc, /usr, ...)", s.Mount, strings.Join(MountRoots, ", "))
}
