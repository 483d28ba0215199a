package egg

// Formats are the egg formats Convert reads (the egg's meta.version).
var Formats = []string{"PTDL_v2", "PLCN_v1"}

// Meta is what Convert keeps of the egg beside the template: its descriptive fields, the
// image choice list, the variables as written, and what the template format cannot hold yet.
type Meta struct {
	Format       string     `json:"format"` // PTDL_v2 or PLCN_v1
	Name         string     `json:"name"`
	Author       string     `json:"author,omitempty"`
	Description  string     `json:"description,omitempty"`
	UUID         string     `json:"uuid,omitempty"`
	Features     []string   `json:"features,omitempty"`
	FileDenylist []string   `json:"fileDenylist,omitempty"`
	Images       []Image    `json:"images"`  // docker_images in the egg's order; the first is the template's image
	Startup      string     `json:"startup"` // as written in the egg
	Done         []string   `json:"done,omitempty"`
	StopSignal   string     `json:"stopSignal,omitempty"` // SIGINT for "^C"
	Stop         string     `json:"stop,omitempty"`       // config.stop as written
	Install      *Install   `json:"install,omitempty"`    // scripts.installation as written
	Variables    []Variable `json:"variables"`
	Notes        []string   `json:"notes,omitempty"` // what the template does differently, in words
}

// Image is one docker_images entry.
type Image struct {
	Label string `json:"label"`
	Image string `json:"image"`
}

// Install is the egg's installation script.
type Install struct {
	Container  string `json:"container"`
	Entrypoint string `json:"entrypoint"`
	Script     string `json:"script"`
}

// Variable is one egg variable as written, with its parsed rules.
type Variable struct {
	Name         string `json:"name"`
	Description  string `json:"description,omitempty"`
	EnvVariable  string `json:"envVariable"`
	DefaultValue string `json:"defaultValue"`
	UserViewable bool   `json:"userViewable"`
	UserEditable bool   `json:"userEditable"`
	Rules        Rules  `json:"rules"`
}
