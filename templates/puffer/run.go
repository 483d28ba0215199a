package puffer

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/skypanel/skypanel/templates"
)

// stopSignals maps run.stopCode (a signal number) onto templates' stop signals.
var stopSignals = map[int]string{1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 15: "SIGTERM"}

// environmentVars converts run.environmentVars (names must be shell variable names).
func (c *conv) environmentVars(vars map[string]string) error {
	c.env = map[string]string{}
	for _, k := range sortedKeys(vars) {
		f := "run.environmentVars." + k
		if !envVarName.MatchString(k) {
			return invalid(f, "%q is not an environment variable name", k)
		}
		v, err := c.p.convert(f, vars[k], inPath)
		if err != nil {
			return err
		}
		c.env[k] = v
	}
	return nil
}

// stop converts run.stop and run.stopCode (which PufferPanel prefers when both are set).
func (c *conv) stop(r rawRun, tr *templates.Run) error {
	if strings.Contains(r.Stop, "{{") {
		return unsupported("run.stop", "%q: '{{' would be read as a SkyPanel placeholder", r.Stop)
	}
	if r.StopCode == 0 {
		tr.Stop = r.Stop // sent as written: PufferPanel substitutes nothing in it
		if strings.TrimSpace(r.Stop) == "" {
			c.note("", "run.stop: empty; the server is stopped with SIGTERM")
		}
		return nil
	}
	sig, ok := stopSignals[r.StopCode]
	if !ok {
		return unsupported("run.stopCode", "signal %d is none of 1 (SIGHUP), 2 (SIGINT), 3 (SIGQUIT), 15 (SIGTERM)", r.StopCode)
	}
	tr.StopSignal = sig
	if r.Stop != "" {
		c.note("", "run.stop: %q is not used; PufferPanel sends run.stopCode (%s) when it is set", r.Stop, sig)
	}
	return nil
}

// command picks the run command PufferPanel would run in env (a string, or the first list entry
// whose "if" holds there, else the first without "if") and converts it into a shell line.
func (c *conv) command(raw json.RawMessage, env string) (string, error) {
	var one string
	field := "run.command"
	if err := json.Unmarshal(raw, &one); err != nil {
		var list []rawCommand
		if err := decode(field, raw, &list); err != nil {
			return "", invalid(field, "must be a string or a list of {command, if}")
		}
		i, err := pick(list, env)
		if err != nil {
			return "", err
		}
		field = fmt.Sprintf("run.command[%d]", i)
		if st := list[i].Stdin; st != nil && st.Type != "" && st.Type != "stdin" {
			return "", unsupported(field+".stdin.type", "%q: templates send console input on stdin only", st.Type)
		}
		field, one = field+".command", list[i].Command
	}
	s, err := c.p.convert(field, one, inPath)
	if err != nil {
		return "", err
	}
	if env == templates.EnvDocker && strings.Contains(s, containerRoot) {
		return "", unsupported(field, "names %s, PufferPanel's container folder; servers run in %s",
			containerRoot, templates.DefaultMount)
	}
	line, err := shellLine(s, c.env, true)
	if err != nil {
		return "", invalid(field, "%v", err)
	}
	return line, nil
}

// pick returns the index of the command for env.
func pick(list []rawCommand, env string) (int, error) {
	def := -1
	for i, cmd := range list {
		if strings.TrimSpace(cmd.If) == "" {
			if def < 0 {
				def = i
			}
			continue
		}
		ok, err := decide(cmd.If, env)
		if err != nil {
			return 0, unsupported(fmt.Sprintf("run.command[%d].if", i), "%v", err)
		}
		if ok {
			return i, nil
		}
	}
	if def < 0 {
		return 0, unsupported("run.command", "no command applies to the %s environment", env)
	}
	return def, nil
}
