package egg

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/skypanel/skypanel/templates"
)

// wingsPlaceholders are the template built-ins as the panel writes them in config files.
var wingsPlaceholders = map[string]string{
	"SERVER_PORT":   "server.build.default.port",
	"SERVER_IP":     "server.build.default.ip",
	"SERVER_MEMORY": "server.build.memory",
}

var (
	digits   = regexp.MustCompile(`^\d+$`)
	wordOnly = regexp.MustCompile(`^\w+$`)
)

// exportConfig writes config: stop, startup.done, files and (empty) logs.
func exportConfig(t templates.Template, plcn bool) (outConfig, error) {
	var c outConfig
	switch {
	case t.Run.Stop != "":
		if strings.HasPrefix(t.Run.Stop, "^") {
			return c, notExportable("run.stop", "%q would be read as a signal by eggs", t.Run.Stop)
		}
		c.Stop = t.Run.Stop
	case t.Run.StopSignal == "SIGINT":
		c.Stop = "^C"
	case t.Run.StopSignal == "" || t.Run.StopSignal == "SIGTERM":
		c.Stop = "^SIGTERM"
	default:
		return c, notExportable("run.stopSignal", "eggs stop with SIGINT (^C) or SIGTERM, not %s", t.Run.StopSignal)
	}
	startup := object{}
	switch len(t.Run.Ready) {
	case 0:
	case 1:
		v, _ := json.Marshal(t.Run.Ready[0])
		startup = append(startup, member{Key: "done", Value: v})
	default:
		v, _ := json.Marshal(t.Run.Ready)
		startup = append(startup, member{Key: "done", Value: v})
	}
	files, err := exportFiles(t)
	if err != nil {
		return c, err
	}
	for _, f := range []struct {
		dst *json.RawMessage
		v   object
	}{{&c.Files, files}, {&c.Startup, startup}, {&c.Logs, object{}}} {
		if *f.dst, err = configValue(f.v, plcn); err != nil {
			return c, err
		}
	}
	return c, nil
}

// configValue is v as PLCN_v1 writes it (JSON) or PTDL_v2 (a string holding indented JSON).
func configValue(v object, plcn bool) (json.RawMessage, error) {
	b, err := marshalIndent(v)
	if err != nil || plcn {
		return b, err
	}
	return json.Marshal(strings.TrimSuffix(string(b), "\n"))
}

// exportFiles writes configFiles as config.files: file → {parser, find: {key: value}}.
func exportFiles(t templates.Template) (object, error) {
	out := object{}
	for i, f := range t.ConfigFiles {
		find := object{}
		for j, set := range f.Set {
			key, value, err := wingsFind(f.Parser, set)
			if err != nil {
				return nil, notExportable(fmt.Sprintf("configFiles[%d].set[%d]", i, j), "%v", err)
			}
			v, _ := json.Marshal(value)
			find = append(find, member{Key: key, Value: v})
		}
		spec, err := json.Marshal(struct {
			Parser string `json:"parser"`
			Find   object `json:"find"`
		}{f.Parser, find})
		if err != nil {
			return nil, err
		}
		out = append(out, member{Key: f.File, Value: spec})
	}
	return out, nil
}

// wingsFind writes one key and value as Wings reads them (the inverse of convertFind).
func wingsFind(parser string, set templates.ConfigSet) (key, value string, err error) {
	key, value = set.Key, placeholdersOut(set.Value)
	switch parser {
	case templates.ParserYAML, templates.ParserJSON:
		var parts []string
		for _, p := range strings.Split(key, ".") {
			if n := len(parts); n > 0 && digits.MatchString(p) && !strings.HasSuffix(parts[n-1], "]") &&
				parts[n-1] != "*" && !digits.MatchString(parts[n-1]) {
				parts[n-1] += "[" + p + "]"
				continue
			}
			parts = append(parts, p)
		}
		key = strings.Join(parts, ".")
	case templates.ParserXML:
		i := strings.LastIndex(key, ".@")
		if i < 0 {
			break
		}
		attr := key[i+2:]
		if !wordOnly.MatchString(attr) {
			return "", "", fmt.Errorf("attribute %q: eggs name attributes with letters, digits and _", attr)
		}
		key, value = key[:i], "["+attr+"='"+value+"']"
	}
	return key, value, nil
}

// placeholdersOut writes the template's placeholders as the panel's: built-ins by their
// server.build names, variables as {{server.build.env.NAME}}.
func placeholdersOut(s string) string {
	return anyPlaceholder.ReplaceAllStringFunc(s, func(p string) string {
		name := anyPlaceholder.FindStringSubmatch(p)[1]
		if w, ok := wingsPlaceholders[name]; ok {
			return "{{" + w + "}}"
		}
		return "{{server.build.env." + name + "}}"
	})
}
