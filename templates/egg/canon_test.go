package egg

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// canonicalEgg reads an egg as generic JSON into one canonical form per understood field,
// so an original and its export compare field by field. Normalised (equal after export):
//   - null ≡ "" for text, null ≡ [] for lists; 1/0 ≡ true/false;
//   - config values as strings holding JSON (PTDL_v2) ≡ the JSON itself (PLCN_v1);
//   - startup: {{env.X}} ≡ {{X}};
//   - config.stop: ^c and ^SIGINT ≡ ^C; ^SIGTERM ≡ "" (both stop with SIGTERM);
//   - config.startup.done: a string ≡ a one-pattern list; empty patterns dropped;
//   - config.files: yml ≡ yaml; a number or boolean value ≡ its text; yaml/json a.0 ≡ a[0];
//     ini [S].k ≡ S.k; {{env.X}} ≡ {{server.build.env.X}}, and the panel's legacy
//     {{env.SERVER_PORT|IP|MEMORY}} ≡ {{server.build.default.port}} etc.; a file without
//     keys dropped;
//   - scripts.installation: CRLF ≡ LF, the script ends with a newline; no script ≡ no
//     container and entrypoint;
//   - variables: user_editable is false when user_viewable is; rules compared by meaning, as
//     a set: nullable ≡ no required, numeric ≡ integer, between:a,b ≡ min:a|max:b, no type ≡
//     string, the type, bounds and pattern beside in: dropped (implied by the options, checked on
//     import), regex by its RE2 expression (delimiters, escaped delimiters, flags);
//     field_type and sort are regenerated ("text", the position);
//   - not understood, not compared: _comment, config.logs (deprecated), Pelican's tags order.
func canonicalEgg(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var e map[string]json.RawMessage
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	var meta map[string]json.RawMessage
	var cfg map[string]json.RawMessage
	decode(t, e["meta"], &meta)
	decode(t, e["config"], &cfg)
	c := map[string]any{
		"meta.version": text(t, meta["version"]), "meta.update_url": text(t, meta["update_url"]),
		"exported_at": text(t, e["exported_at"]), "name": text(t, e["name"]), "author": text(t, e["author"]),
		"uuid": text(t, e["uuid"]), "description": text(t, e["description"]),
		"features": list(t, e["features"]), "file_denylist": list(t, e["file_denylist"]),
		"tags":                 list(t, e["tags"]),
		"startup":              envPlaceholder.ReplaceAllString(text(t, e["startup"]), "{{$1}}"),
		"config.stop":          canonicalStop(text(t, cfg["stop"])),
		"config.startup.done":  canonicalDone(t, cfg["startup"]),
		"config.files":         canonicalFiles(t, cfg["files"]),
		"scripts.installation": canonicalInstall(t, e["scripts"]),
		"variables":            canonicalVariables(t, e["variables"]),
	}
	var images [][2]string
	ms, err := members(e["docker_images"])
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		images = append(images, [2]string{m.Key, text(t, m.Value)})
	}
	c["docker_images"] = images
	return c
}

var (
	envPlaceholder = regexp.MustCompile(`\{\{\s*env\.([A-Za-z0-9_]+)\s*\}\}`)
	wingsEnv       = regexp.MustCompile(`\{\{(?:server\.build\.)?env\.([A-Za-z0-9_]+)\}\}`)
	wingsIndex     = regexp.MustCompile(`\.(\d+)(\.|$)`)
)

func decode(t *testing.T, raw json.RawMessage, v any) {
	t.Helper()
	in, err := inner(raw) // a string holding JSON, or JSON
	if err != nil {
		t.Fatal(err)
	}
	if in != nil {
		if err := json.Unmarshal(in, v); err != nil {
			t.Fatal(err)
		}
	}
}

func text(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if raw != nil {
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
	}
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return strings.TrimSpace(string(raw))
}

func list(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	out := []string{}
	if raw != nil {
		var l []string
		if err := json.Unmarshal(raw, &l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l...)
	}
	return out
}

func canonicalStop(s string) string {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "^C", "^SIGINT":
		return "^C"
	case "^SIGTERM", "":
		return ""
	}
	return strings.TrimSpace(s)
}

func canonicalDone(t *testing.T, raw json.RawMessage) []string {
	var s struct {
		Done json.RawMessage `json:"done"`
	}
	decode(t, raw, &s)
	var many []string
	var one string
	if json.Unmarshal(s.Done, &one) == nil {
		many = []string{one}
	} else if s.Done != nil {
		decode(t, s.Done, &many)
	}
	out := []string{}
	for _, p := range many {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func canonicalInstall(t *testing.T, raw json.RawMessage) map[string]string {
	var s struct {
		Installation map[string]string `json:"installation"`
	}
	decode(t, raw, &s)
	in := s.Installation
	script := strings.ReplaceAll(in["script"], "\r\n", "\n")
	if strings.TrimSpace(script) == "" {
		return map[string]string{}
	}
	if !strings.HasSuffix(script, "\n") {
		script += "\n"
	}
	return map[string]string{"script": script, "container": in["container"], "entrypoint": in["entrypoint"]}
}
