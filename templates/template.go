package templates

import "strings"

// Environments a template may support (the API's EnvironmentType values).
const (
	EnvDocker   = "docker"
	EnvStandard = "standard"
)

// Variable types.
const (
	TypeString  = "string"
	TypeInteger = "integer"
	TypeBoolean = "boolean"
	TypeOption  = "option" // one of Options (a string)
)

// Install step types.
const (
	StepDownload  = "download"
	StepMojangDL  = "mojangdl"
	StepCommand   = "command"
	StepWriteFile = "writefile"
	StepMkdir     = "mkdir"
	StepMove      = "move"
	StepExtract   = "extract"
	StepAlterFile = "alterfile"
)

// StepTypes lists every install step type.
var StepTypes = []string{StepDownload, StepMojangDL, StepCommand, StepWriteFile, StepMkdir, StepMove,
	StepExtract, StepAlterFile}

// APIPaper is Step.API for downloads resolved through the PaperMC downloads API (v2).
const APIPaper = "paper"

// DefaultStopTimeout is the stop timeout of a template that sets none, in seconds.
const DefaultStopTimeout = 30

// Builtins are the built-in placeholders, filled by the node from the server (not template variables).
var Builtins = []string{"SERVER_MEMORY", "SERVER_PORT", "SERVER_IP"}

// Template is a server template.
type Template struct {
	Name              string              `json:"name"`
	Display           string              `json:"display"`
	Type              string              `json:"type"` // kind of game runtime: java, native, generic
	SupportedVersions []string            `json:"supportedVersions"`
	Environments      []string            `json:"environments"`
	Image             string              `json:"image,omitempty"`        // default image (docker)
	InstallImage      string              `json:"installImage,omitempty"` // image of command steps (default: the server's)
	Install           []Step              `json:"install"`
	Run               Run                 `json:"run"`
	Variables         map[string]Variable `json:"variables"`
	Backup            *BackupHooks        `json:"backup,omitempty"`
	ConfigFiles       []ConfigFile        `json:"configFiles,omitempty"` // rewritten by the node before every start
}

// Config file parsers (ConfigFile.Parser).
const (
	ParserProperties = "properties"
	ParserYAML       = "yaml"
	ParserJSON       = "json"
	ParserINI        = "ini"
	ParserXML        = "xml"
	ParserFile       = "file"
)

// Parsers lists every ConfigFile.Parser.
var Parsers = []string{ParserProperties, ParserYAML, ParserJSON, ParserINI, ParserXML, ParserFile}

// ConfigFile is a configuration file the node rewrites before every start (created when
// missing): each Set key gets its value (placeholders as in Run.Command).
type ConfigFile struct {
	File   string      `json:"file"`   // relative to the server folder
	Parser string      `json:"parser"` // one of Parsers
	Set    []ConfigSet `json:"set"`
}

// ConfigSet is one key of a ConfigFile and the value it gets.
type ConfigSet struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// StopSignals are the signals Run.StopSignal may name.
var StopSignals = []string{"SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP"}

// ReadyRegexPrefix marks a Run.Ready pattern that is an RE2 regular expression.
const ReadyRegexPrefix = "regex:"

// DefaultMount is where command steps find the server folder (Step.Mount when empty).
const DefaultMount = "/home/container"

// Run is how a template's servers run.
type Run struct {
	Command     string `json:"command"`               // startup command, with placeholders
	Stop        string `json:"stop,omitempty"`        // console command; empty = SIGTERM
	StopTimeout *int   `json:"stopTimeout,omitempty"` // seconds; nil = DefaultStopTimeout
	// StopSignal is sent when Stop is empty (one of StopSignals; empty = SIGTERM).
	StopSignal string `json:"stopSignal,omitempty"`
	// Ready: console patterns (substrings; ReadyRegexPrefix = RE2) that flip a starting server
	// to running; none = running once the process has started.
	Ready []string `json:"ready,omitempty"`
}

// StopSeconds is the stop timeout in seconds.
func (r Run) StopSeconds() int {
	if r.StopTimeout == nil {
		return DefaultStopTimeout
	}
	return *r.StopTimeout
}

// BackupHooks are console commands sent around a live backup.
type BackupHooks struct {
	Before []string `json:"before,omitempty"`
	After  []string `json:"after,omitempty"`
}

// Variable is a template variable. Default is a string, an int64 or a bool (matching Type).
type Variable struct {
	Type         string   `json:"type"`
	Default      any      `json:"default,omitempty"`
	Required     bool     `json:"required,omitempty"`
	Description  string   `json:"description,omitempty"`
	Options      []string `json:"options,omitempty"`
	UserEditable *bool    `json:"userEditable,omitempty"` // nil: see Template.UserEditable
	Min          *int64   `json:"min,omitempty"`          // integer: smallest value; string: shortest length (characters)
	Max          *int64   `json:"max,omitempty"`          // integer: largest value; string: longest length (characters)
	Pattern      string   `json:"pattern,omitempty"`      // string: RE2 a non-empty value must match
	Hidden       bool     `json:"hidden,omitempty"`       // tenants neither see nor set it
}

// Step is one install step; which fields apply depends on Type (see the API's InstallStep).
// The node's installer reads the same JSON.
type Step struct {
	Type     string   `json:"type"`
	Files    []string `json:"files,omitempty"`    // download: URLs; mkdir: folders
	Target   string   `json:"target,omitempty"`   // destination / file acted on
	Source   string   `json:"source,omitempty"`   // move (glob allowed) / extract
	SHA256   string   `json:"sha256,omitempty"`   // download: expected hash
	SHA1     string   `json:"sha1,omitempty"`     // download: expected hash
	Version  string   `json:"version,omitempty"`  // mojangdl, download with api: game version
	Commands []string `json:"commands,omitempty"` // command: shell lines
	Text     string   `json:"text,omitempty"`     // writefile: content
	Search   string   `json:"search,omitempty"`   // alterfile
	Replace  string   `json:"replace,omitempty"`  // alterfile
	Regex    bool     `json:"regex,omitempty"`    // alterfile: Search is a regular expression
	API      string   `json:"api,omitempty"`      // download: resolve the file through this API (APIPaper)
	Project  string   `json:"project,omitempty"`  // download with api: project (paper, velocity, ...)
	Build    string   `json:"build,omitempty"`    // download with api: build number or "latest"
	Mount    string   `json:"mount,omitempty"`    // command (docker): server folder mount point and cwd; "" = DefaultMount
}

// strings returns the step's text fields by field name (for placeholder checks).
func (s *Step) strings() map[string][]string {
	return map[string][]string{
		"files": s.Files, "target": {s.Target}, "source": {s.Source}, "version": {s.Version},
		"commands": s.Commands, "text": {s.Text}, "search": {s.Search}, "replace": {s.Replace},
		"project": {s.Project}, "build": {s.Build},
	}
}

// Summary is what a template list shows.
type Summary struct {
	Name              string
	Display           string
	Type              string
	SupportedVersions []string
}

// Summary returns the list view of t.
func (t *Template) Summary() Summary {
	return Summary{Name: t.Name, Display: t.Display, Type: t.Type, SupportedVersions: t.SupportedVersions}
}

// Supports reports whether t runs in the environment env.
func (t *Template) Supports(env string) bool {
	for _, e := range t.Environments {
		if strings.EqualFold(e, env) {
			return true
		}
	}
	return false
}
