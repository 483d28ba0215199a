package egg

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// rawEgg is the JSON of a PTDL_v2 or PLCN_v1 egg (fields Convert does not read are ignored).
type rawEgg struct {
	Meta struct {
		Version   string  `json:"version"`
		UpdateURL *string `json:"update_url"`
	} `json:"meta"`
	ExportedAt   string          `json:"exported_at"`
	UUID         string          `json:"uuid"`
	Name         string          `json:"name"`
	Author       string          `json:"author"`
	Description  *string         `json:"description"`
	Tags         []string        `json:"tags"`
	Features     []string        `json:"features"`
	DockerImages json.RawMessage `json:"docker_images"`
	FileDenylist []string        `json:"file_denylist"`
	Startup      string          `json:"startup"`
	Config       struct {
		Files   json.RawMessage `json:"files"`
		Startup json.RawMessage `json:"startup"`
		Logs    json.RawMessage `json:"logs"`
		Stop    string          `json:"stop"`
	} `json:"config"`
	Scripts struct {
		Installation *rawInstall `json:"installation"`
	} `json:"scripts"`
	Variables []rawVariable `json:"variables"`
}

// rawInstall is scripts.installation.
type rawInstall struct {
	Script     string `json:"script"`
	Container  string `json:"container"`
	Entrypoint string `json:"entrypoint"`
}

type rawVariable struct {
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	EnvVariable  string          `json:"env_variable"`
	DefaultValue *string         `json:"default_value"`
	UserViewable flexBool        `json:"user_viewable"`
	UserEditable flexBool        `json:"user_editable"`
	Rules        json.RawMessage `json:"rules"`
}

// flexBool reads true/false or 1/0 (older exports write integers).
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "true", "1":
		*b = true
	case "false", "0", "null":
		*b = false
	default:
		return fmt.Errorf("want a boolean, not %s", data)
	}
	return nil
}

// inner decodes a config field that PTDL_v2 stores as a JSON string holding JSON and PLCN_v1
// as the JSON itself; null and "" decode as nil.
func inner(raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '"' {
		return raw, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	if !json.Valid([]byte(s)) {
		return nil, fmt.Errorf("the string does not hold JSON")
	}
	return json.RawMessage(s), nil
}

// isEmpty reports whether raw is absent, null, {} or [].
func isEmpty(raw json.RawMessage) bool {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return len(raw) == 0
	}
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

// member is one key of a JSON object and its value, in the document's order.
type member struct {
	Key   string
	Value json.RawMessage
}

// members decodes a JSON object keeping its keys' order (PHP keeps it, and eggs rely on it:
// the first image is the default, config files are rewritten in order).
func members(raw json.RawMessage) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("must be an object")
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, member{Key: tok.(string), Value: v})
	}
	return out, nil
}

// orderedImages decodes docker_images (an object label → image) keeping the egg's order.
func orderedImages(raw json.RawMessage) ([]Image, error) {
	ms, err := members(raw)
	if err != nil {
		return nil, fmt.Errorf("must be an object of label → image")
	}
	out := make([]Image, 0, len(ms))
	for _, m := range ms {
		var img string
		if err := json.Unmarshal(m.Value, &img); err != nil {
			return nil, fmt.Errorf("%s: the image must be a string", m.Key)
		}
		out = append(out, Image{Label: m.Key, Image: img})
	}
	return out, nil
}
