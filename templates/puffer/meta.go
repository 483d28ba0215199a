package puffer

import "encoding/json"

// Format is the importer's name for PufferPanel templates.
const Format = "pufferpanel"

// Meta is what Convert keeps of the PufferPanel template beside the SkyPanel template: its
// descriptive fields, the environments and variables as written, the run settings templates
// have no place for, and what the template does differently (Notes).
type Meta struct {
	Format       string          `json:"format"` // "pufferpanel"
	Type         string          `json:"type"`   // the template's type as written (minecraft-java, …)
	Display      string          `json:"display"`
	Icon         string          `json:"icon,omitempty"`
	Requirements *Requirements   `json:"requirements,omitempty"`
	Environment  string          `json:"environment,omitempty"` // the default environment's type
	Environments []Environment   `json:"environments"`          // supportedEnvironments as written
	Variables    []Variable      `json:"variables"`             // data, by name
	Command      json.RawMessage `json:"command"`               // run.command as written
	Stop         string          `json:"stop,omitempty"`
	StopCode     int             `json:"stopCode,omitempty"`
	Stdin        string          `json:"stdin,omitempty"`
	AutoStart    bool            `json:"autostart,omitempty"`
	AutoRecover  bool            `json:"autorecover,omitempty"`
	AutoRestart  bool            `json:"autorestart,omitempty"`
	ExitCode     int             `json:"expectedExitCode,omitempty"`
	Stats        json.RawMessage `json:"stats,omitempty"`
	Query        json.RawMessage `json:"query,omitempty"`
	Groups       json.RawMessage `json:"groups,omitempty"`
	Notes        []string        `json:"notes,omitempty"`
}

// Requirements is the template's "requirements": operating systems and architectures
// ("a||b"), and binaries a host environment needs.
type Requirements struct {
	OS       string   `json:"os,omitempty"`
	Arch     string   `json:"arch,omitempty"`
	Binaries []string `json:"binaries,omitempty"`
}

// Environment is one supported environment as written.
type Environment struct {
	Type         string   `json:"type"`
	Image        string   `json:"image,omitempty"`
	PortBindings []string `json:"portBindings,omitempty"`
}

// Variable is one "data" entry as written, with the name the template uses for it.
type Variable struct {
	Name     string   `json:"name"`     // the key in data
	Template string   `json:"template"` // the template variable, or the built-in it became
	Display  string   `json:"display,omitempty"`
	Type     string   `json:"type"`
	Value    any      `json:"value"`
	Options  []Option `json:"options,omitempty"`
	Internal bool     `json:"internal,omitempty"`
	UserEdit bool     `json:"userEdit"`
}

// Option is one choice of an option variable.
type Option struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
}
