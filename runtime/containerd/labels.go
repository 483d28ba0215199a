package containerd

// Labels set on every container this runtime creates (one place, so the daemon and operators
// can filter with `ctr -n skypanel containers list labels.io.skypanel.managed==true`).
const (
	// LabelManaged marks containers managed by SkyPanel ("true").
	LabelManaged = "io.skypanel.managed"
	// LabelServerID is the server id (runtime.Spec.ID).
	LabelServerID = "io.skypanel.server.id"
	// LabelEnvironment is the environment ("docker").
	LabelEnvironment = "io.skypanel.environment"
)

// ContainerPrefix prefixes server ids to make container ids (and snapshot keys).
const ContainerPrefix = "skypanel-"

// ContainerID returns the container id (and snapshot key) of server id.
func ContainerID(id string) string { return ContainerPrefix + id }
