package puffer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// rawTemplate is the JSON of a PufferPanel template. Fields PufferPanel itself ignores when
// creating a server (id, groups, stats, query, icon) are kept in Meta or ignored.
type rawTemplate struct {
	Type                  string            `json:"type"`
	Display               string            `json:"display"`
	Icon                  string            `json:"icon"`
	Data                  map[string]rawVar `json:"-"` // decoded one by one (names the field)
	Install               []rawOp           `json:"install"`
	Uninstall             []rawOp           `json:"uninstall"`
	Run                   rawRun            `json:"run"`
	Environment           *rawEnv           `json:"environment"`
	SupportedEnvironments []rawEnv          `json:"supportedEnvironments"`
	Requirements          *Requirements     `json:"requirements"`
	Stats                 json.RawMessage   `json:"stats"`
	Query                 json.RawMessage   `json:"query"`
	Groups                json.RawMessage   `json:"groups"`
}

// rawRun is the template's "run" (PufferPanel's Execution).
type rawRun struct {
	Command          json.RawMessage   `json:"command"` // a string or [{command, if, stdin}]
	Stop             string            `json:"stop"`
	StopCode         int               `json:"stopCode"`
	Pre              []rawOp           `json:"pre"`
	Post             []rawOp           `json:"post"`
	EnvironmentVars  map[string]string `json:"environmentVars"`
	WorkingDirectory string            `json:"workingDirectory"`
	Stdin            rawStdin          `json:"stdin"`
	AutoStart        bool              `json:"autostart"`
	AutoRecover      bool              `json:"autorecover"`
	AutoRestart      bool              `json:"autorestart"`
	ExpectedExitCode int               `json:"expectedExitCode"`
}

// rawCommand is one entry of a run.command list.
type rawCommand struct {
	If      string    `json:"if"`
	Command string    `json:"command"`
	Stdin   *rawStdin `json:"stdin"`
}

// rawStdin is how PufferPanel sends console input (stdin, rcon, rconws, telnet).
type rawStdin struct {
	Type string `json:"type"`
}

// rawVar is one "data" entry.
type rawVar struct {
	Type     string          `json:"type"` // "" = string
	Value    json.RawMessage `json:"value"`
	Display  string          `json:"display"`
	Desc     string          `json:"desc"`
	Required bool            `json:"required"`
	Internal bool            `json:"internal"`
	UserEdit bool            `json:"userEdit"`
	Options  []rawOption     `json:"options"`
}

type rawOption struct {
	Value   json.RawMessage `json:"value"`
	Display string          `json:"display"`
}

// rawEnv is an environment: "host" (PufferPanel 2: "standard") or "docker" with its image.
// Docker settings templates cannot express are refused when set.
type rawEnv struct {
	Type          string            `json:"type"`
	Image         string            `json:"image"`
	PortBindings  []string          `json:"portBindings"`
	Bindings      map[string]string `json:"bindings"`
	NetworkName   string            `json:"networkName"`
	ContainerRoot string            `json:"containerRoot"`
	Root          string            `json:"root"`
	HostConfig    json.RawMessage   `json:"hostConfig"`
	Config        json.RawMessage   `json:"config"`
	Labels        map[string]string `json:"labels"`
}

// rawOp is one operation (install, pre, post): its "type", "if" and the type's own fields.
type rawOp map[string]json.RawMessage

// decodeTemplate reads raw; errors name the field that could not be read.
func decodeTemplate(raw []byte) (*rawTemplate, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, invalid("$", "not a PufferPanel template (a JSON object): %v", err)
	}
	var t rawTemplate
	if err := decode("$", raw, &t); err != nil {
		return nil, err
	}
	if data := top["data"]; len(data) > 0 && string(data) != "null" {
		var vars map[string]json.RawMessage
		if err := decode("data", data, &vars); err != nil {
			return nil, err
		}
		t.Data = make(map[string]rawVar, len(vars))
		for name, rv := range vars {
			var v rawVar
			if err := decode("data."+name, rv, &v); err != nil {
				return nil, err
			}
			t.Data[name] = v
		}
	}
	return &t, nil
}

// decode unmarshals raw into v; a wrong type is ErrInvalid naming field (and the path inside).
func decode(field string, raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			if te.Field != "" {
				field = strings.TrimPrefix(field+"."+te.Field, "$.")
			}
			return invalid(field, "must be %s, not a JSON %s", jsonKind(te.Type.Kind().String()), te.Value)
		}
		return invalid(field, "%v", err)
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int64", "float64":
		return "a number"
	case "slice":
		return "a list"
	}
	return "an object"
}

// typ is the operation's type.
func (op rawOp) typ() string { s, _ := op.str("type"); return s }

// str reads a string field ("" when absent); numbers and booleans are read as PufferPanel's
// cast.ToString would.
func (op rawOp) str(name string) (string, error) {
	s, err := scalar(op[name]) // variables.go
	if err != nil {
		return "", fmt.Errorf("must be a string")
	}
	return s, nil
}

// list reads a list-of-strings field; a string is one element (PufferPanel splits a string at
// white space, so a string holding white space is refused as ambiguous).
func (op rawOp) list(name string) ([]string, error) {
	raw, ok := op[name]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		if strings.ContainsFunc(one, isSpace) {
			return nil, fmt.Errorf("a string is split at white space by PufferPanel; write a list")
		}
		return []string{one}, nil
	}
	var many []string
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&many); err != nil {
		return nil, fmt.Errorf("must be a string or a list of strings")
	}
	return many, nil
}

// boolean reads a boolean field (true/false or their strings, as cast.ToBool).
func (op rawOp) boolean(name string) (bool, error) {
	s, err := op.str(name)
	if err != nil {
		return false, fmt.Errorf("must be a boolean")
	}
	switch s {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, fmt.Errorf("must be a boolean, not %q", s)
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }
