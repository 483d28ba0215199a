package egg

// Formats are the egg formats Convert reads (the egg's meta.version).
var Formats = []string{"PTDL_v2", "PLCN_v1"}

// Meta is what Convert keeps of the egg beside the template, for Export: the descriptive
// fields the template has no place for, the image choice list and the variables' order and
// display names. Everything that drives a server (startup, stop, ready patterns, config
// files, install script, variable types and rules) lives in the template only. Meta is
// stored as JSON by the panel and round-trips through encoding/json.
type Meta struct {
	Format       string     `json:"format"` // PTDL_v2 or PLCN_v1
	UpdateURL    string     `json:"updateUrl,omitempty"`
	ExportedAt   string     `json:"exportedAt,omitempty"`
	UUID         string     `json:"uuid,omitempty"`
	Author       string     `json:"author,omitempty"`
	Description  string     `json:"description,omitempty"`
	Tags         []string   `json:"tags,omitempty"`
	Features     []string   `json:"features,omitempty"`
	FileDenylist []string   `json:"fileDenylist,omitempty"`
	Images       []Image    `json:"images"`    // docker_images in the egg's order; the first is the template's image
	Variables    []Variable `json:"variables"` // the egg's variables in its order
	Notes        []string   `json:"notes"`     // what the template does differently, in words (never nil)
}

// Image is one docker_images entry.
type Image struct {
	Label string `json:"label"`
	Image string `json:"image"`
}

// Variable is what the template does not hold of an egg variable: its place in the egg's
// order (by env_variable, the template variable's name) and its display name.
type Variable struct {
	EnvVariable string `json:"envVariable"`
	Name        string `json:"name,omitempty"`
}
