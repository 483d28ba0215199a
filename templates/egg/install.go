package egg

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/skypanel/skypanel/templates"
)

// serverMount is where eggs' install scripts find the server folder: the command step
// mounts it there (and runs there), so scripts run unchanged.
const (
	serverMount = "/mnt/server"
	heredocEnd  = "SKYPANEL_EGG_INSTALL_SCRIPT"
	// scriptHead and scriptTail wrap the script in the step's command: it is written to a
	// file and run by its entrypoint, as Wings runs install.sh (stdin stays the container's).
	scriptHead = `f="${TMPDIR:-/tmp}/skypanel-egg-install.sh"` + "\ncat > \"$f\" <<'" + heredocEnd + "'\n"
	scriptTail = heredocEnd + "\nexec %s \"$f\""
)

var entrypointPattern = regexp.MustCompile(`^[A-Za-z0-9/_.-]+$`)

// convertInstall makes the installation script one command step run in the script's
// container (installImage) with the server folder mounted at /mnt/server, its working
// directory: the script (CRLF → LF, nothing else changed) is run by its entrypoint, so it
// keeps its own shell and error handling.
func convertInstall(t *templates.Template, _ *Meta, e *rawEgg) error {
	in := e.Scripts.Installation
	if in == nil || strings.TrimSpace(in.Script) == "" {
		return nil
	}
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
	t.InstallImage = in.Container
	t.Install = append(t.Install, templates.Step{Type: templates.StepCommand, Mount: serverMount,
		Commands: []string{installCommand(in.Entrypoint, script)}})
	return nil
}

// installCommand is the command step's text for a script run by entrypoint.
func installCommand(entrypoint, script string) string {
	if !strings.HasSuffix(script, "\n") {
		script += "\n"
	}
	return scriptHead + script + fmt.Sprintf(scriptTail, entrypoint)
}

// parseInstallCommand is the inverse of installCommand.
func parseInstallCommand(cmd string) (entrypoint, script string, ok bool) {
	rest, ok := strings.CutPrefix(cmd, scriptHead)
	if !ok {
		return "", "", false
	}
	i := strings.LastIndex(rest, heredocEnd+"\nexec ")
	if i < 0 {
		return "", "", false
	}
	script = rest[:i]
	entrypoint, ok = strings.CutSuffix(rest[i+len(heredocEnd+"\nexec "):], ` "$f"`)
	if !ok || !entrypointPattern.MatchString(entrypoint) || installCommand(entrypoint, script) != cmd {
		return "", "", false
	}
	return entrypoint, script, true
}
