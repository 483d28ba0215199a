package egg

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/skypanel/skypanel/templates"
)

// wingsBuiltins are the panel placeholders of config.files values that are template built-ins.
var wingsBuiltins = map[string]string{
	"server.build.default.port": "SERVER_PORT",
	"server.build.default.ip":   "SERVER_IP",
	"server.build.memory":       "SERVER_MEMORY",
}

var (
	anyPlaceholder = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)
	// xmlAttrValue is Wings' attribute form of an xml value: [name='value'].
	xmlAttrValue = regexp.MustCompile(`^\[(\w+)='(.*)'\]$`)
	// indexedPart is Wings' list index in a yaml/json path part: name[3].
	indexedPart = regexp.MustCompile(`^([^\[\]]+)\[(\d+)\]$`)
)

// convertFiles maps config.files (file → {parser, find: {key: value}}, in the egg's order)
// onto the template's configFiles, with the keys in the template's syntax and the panel's
// placeholders mapped onto the template's.
func convertFiles(t *templates.Template, m *Meta, e *rawEgg) error {
	files, err := inner(e.Config.Files)
	if err != nil {
		return invalid("config.files", "%v", err)
	}
	if isEmpty(files) {
		return nil
	}
	ms, err := members(files)
	if err != nil {
		return invalid("config.files", "must be an object of file name → {parser, find}")
	}
	for _, f := range ms {
		cf, err := convertFile("config.files."+f.Key, f, t)
		if err != nil {
			return err
		}
		if cf == nil {
			m.Notes = append(m.Notes, "config.files."+f.Key+": no keys to set; dropped")
			continue
		}
		if cf.Parser == templates.ParserFile {
			m.Notes = append(m.Notes, "config.files."+f.Key+": a key that starts no line is appended as a line "+
				"(Wings leaves such a file unchanged)")
		}
		t.ConfigFiles = append(t.ConfigFiles, *cf)
	}
	if len(t.ConfigFiles) > templates.MaxConfigFiles {
		return unsupported("config.files", "%d files; templates take at most %d", len(t.ConfigFiles), templates.MaxConfigFiles)
	}
	return nil
}

// convertFile converts one file; nil when it sets no key.
func convertFile(field string, f member, t *templates.Template) (*templates.ConfigFile, error) {
	var spec struct {
		Parser string          `json:"parser"`
		Find   json.RawMessage `json:"find"`
	}
	if err := json.Unmarshal(f.Value, &spec); err != nil {
		return nil, invalid(field, "must be an object with parser and find")
	}
	if templates.CheckConfigFile(f.Key) != nil {
		return nil, unsupported(field, "the file must be a clean relative path inside the server folder")
	}
	parser := spec.Parser
	if parser == "yml" { // Wings' alias
		parser = templates.ParserYAML
	}
	if !slices.Contains(templates.Parsers, parser) {
		return nil, unsupported(field+".parser", "%q is not one of %s", spec.Parser, strings.Join(templates.Parsers, ", "))
	}
	if isEmpty(spec.Find) {
		return nil, nil
	}
	finds, err := members(spec.Find)
	if err != nil {
		return nil, invalid(field+".find", "must be an object of key → value")
	}
	cf := &templates.ConfigFile{File: f.Key, Parser: parser, Set: make([]templates.ConfigSet, 0, len(finds))}
	for _, kv := range finds {
		set, err := convertFind(parser, kv, t)
		if err != nil {
			return nil, unsupported(field+".find."+kv.Key, "%v", err)
		}
		cf.Set = append(cf.Set, set)
	}
	if len(cf.Set) > templates.MaxConfigSets {
		return nil, unsupported(field+".find", "%d keys; templates take at most %d", len(cf.Set), templates.MaxConfigSets)
	}
	return cf, nil
}

// convertFind converts one key → value of a file.
func convertFind(parser string, kv member, t *templates.Template) (templates.ConfigSet, error) {
	value, err := findValue(kv.Value)
	if err != nil {
		return templates.ConfigSet{}, err
	}
	key, err := findKey(parser, kv.Key, &value)
	if err != nil {
		return templates.ConfigSet{}, err
	}
	if value, err = placeholdersIn(value, t); err != nil {
		return templates.ConfigSet{}, err
	}
	return templates.ConfigSet{Key: key, Value: value}, nil
}

// findValue reads a value: a string, or a number or boolean as the panel passes it on.
func findValue(raw json.RawMessage) (string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", err
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case float64, bool:
		return strings.TrimSpace(string(raw)), nil
	case map[string]any:
		return "", fmt.Errorf("a conditional replacement (an object of match → value) is not supported: templates set a key to one value")
	}
	return "", fmt.Errorf("the value must be a string, a number or a boolean")
}

// findKey maps a Wings key onto the template's syntax for the parser (value is changed for
// an xml attribute, which Wings writes as the value [name='value']).
func findKey(parser, key string, value *string) (string, error) {
	if key == "" {
		return "", fmt.Errorf("empty key")
	}
	switch parser {
	case templates.ParserINI:
		return iniKey(key)
	case templates.ParserYAML, templates.ParserJSON:
		parts := strings.Split(key, ".")
		for i, p := range parts {
			if m := indexedPart.FindStringSubmatch(p); m != nil {
				parts[i] = m[1] + "." + m[2]
			} else if strings.ContainsAny(p, "[]") {
				return "", fmt.Errorf("%q: a path part is a name, * or name[index]", p)
			}
		}
		return strings.Join(parts, "."), nil
	case templates.ParserXML:
		if m := xmlAttrValue.FindStringSubmatch(*value); m != nil {
			*value = m[2]
			return key + ".@" + m[1], nil
		}
	}
	return key, nil
}

// iniKey reads a key as Wings does — the section is what precedes the first dot outside
// brackets, brackets are dropped — and writes it section.key (first dot).
func iniKey(key string) (string, error) {
	var section, name []rune
	depth, split := 0, false
	for _, c := range key {
		switch {
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '.' && depth == 0 && !split:
			section, name, split = name, nil, true
		default:
			name = append(name, c)
		}
	}
	switch {
	case len(name) == 0:
		return "", fmt.Errorf("no key after the section")
	case !split:
		return string(name), nil
	case strings.Contains(string(section), "."):
		return "", fmt.Errorf("section %q contains a dot; templates split section.key at the first dot", string(section))
	}
	return string(section) + "." + string(name), nil
}

// placeholdersIn maps the panel's placeholders in a value onto the template's:
// {{server.build.default.port}}, {{server.build.default.ip}}, {{server.build.memory}} and
// {{server.build.env.X}} / {{env.X}} (X a variable or a built-in). Anything else — Wings'
// own {{config.…}}, other server fields, or a bare {{NAME}} that Pterodactyl leaves as
// written — has no equivalent.
func placeholdersIn(s string, t *templates.Template) (string, error) {
	var bad error
	out := anyPlaceholder.ReplaceAllStringFunc(s, func(p string) string {
		name := anyPlaceholder.FindStringSubmatch(p)[1]
		if b, ok := wingsBuiltins[name]; ok {
			return "{{" + b + "}}"
		}
		x, ok := strings.CutPrefix(name, "server.build.env.")
		if !ok {
			x, ok = strings.CutPrefix(name, "env.")
		}
		if _, known := t.Variables[x]; ok && (known || slices.Contains(templates.Builtins, x)) {
			return "{{" + x + "}}"
		}
		if bad == nil {
			bad = fmt.Errorf("placeholder %s has no equivalent in templates (known: {{server.build.default.port}}, "+
				"{{server.build.default.ip}}, {{server.build.memory}}, {{server.build.env.VARIABLE}})", p)
		}
		return p
	})
	return out, bad
}
