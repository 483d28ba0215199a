package egg

import (
	"regexp"
	"strings"

	"github.com/skypanel/skypanel/templates"
)

// serverMount is where eggs' install scripts find the server folder; serverDir is where
// SkyPanel mounts it (the working directory of the install container).
const (
	serverMount = "/mnt/server"
	serverDir   = "/home/container"
	heredocEnd  = "SKYPANEL_EGG_INSTALL_SCRIPT"
)

var entrypointPattern = regexp.MustCompile(`^[A-Za-z0-9/_.-]+$`)

// convertInstall makes the installation script one command step run in the script's
// container (installImage), with the server folder mounted: the script is fed unchanged
// (except /mnt/server → /home/container, CRLF → LF) to its entrypoint on stdin, so it keeps
// its own shell and error handling.
func convertInstall(t *templates.Template, m *Meta, e *rawEgg) error {
	in := e.Scripts.Installation
	if in == nil || strings.TrimSpace(in.Script) == "" {
		return nil
	}
	m.Install = &Install{Container: in.Container, Entrypoint: in.Entrypoint, Script: in.Script}
	switch {
	case strings.TrimSpace(in.Container) == "":
		return invalid("scripts.installation.container", "required with a script")
	case !entrypointPattern.MatchString(in.Entrypoint):
		return unsupported("scripts.installation.entrypoint",
			"%q must be a program name or path (letters, digits, / _ . -)", in.Entrypoint)
	}
	script := strings.ReplaceAll(in.Script, "\r\n", "\n")
	for _, line := range strings.Split(script, "\n") {
		if line == heredocEnd {
			return unsupported("scripts.installation.script", "a line reads %s", heredocEnd)
		}
	}
	if p := templates.Placeholders(script); len(p) > 0 {
		return unsupported("scripts.installation.script",
			"{{%s}}: the node would substitute placeholders in the script; eggs' scripts read variables from the environment", p[0])
	}
	if strings.Contains(script, serverMount) {
		script = strings.ReplaceAll(script, serverMount, serverDir)
		m.Notes = append(m.Notes, "scripts.installation.script: "+serverMount+" is rewritten to "+
			serverDir+", where SkyPanel mounts the server folder")
	}
	t.InstallImage = in.Container
	t.Install = append(t.Install, templates.Step{Type: templates.StepCommand, Commands: []string{
		in.Entrypoint + " <<'" + heredocEnd + "'\n" + strings.TrimRight(script, "\n") + "\n" + heredocEnd,
	}})
	return nil
}
