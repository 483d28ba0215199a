package daemon

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/skypanel/skypanel/runtime"
)

// Built-in placeholders and environment variables, filled from the definition itself. They
// take precedence over Variables of the same name, as they describe the real allocation.
const (
	VarServerMemory = "SERVER_MEMORY" // Limits.MemoryMiB
	VarServerPort   = "SERVER_PORT"
	VarServerIP     = "SERVER_IP"
	VarStartup      = "STARTUP" // environment only: the substituted command
)

// placeholder matches {{NAME}} and {{ NAME }}.
var placeholder = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// builtins returns the built-in variables of d.
func (d Definition) builtins() map[string]string {
	return map[string]string{
		VarServerMemory: strconv.FormatInt(d.Limits.MemoryMiB, 10),
		VarServerPort:   strconv.Itoa(d.Port),
		VarServerIP:     d.IP,
	}
}

// values returns the placeholder values: Variables overlaid with the built-ins.
func (d Definition) values() map[string]string {
	v := maps.Clone(d.Variables)
	if v == nil {
		v = map[string]string{}
	}
	maps.Copy(v, d.builtins())
	return v
}

// Substitute replaces every {{NAME}} in s with its value from vals. Unknown or malformed
// placeholders are an error wrapping ErrInvalidDefinition that names them (field is the
// definition field being substituted, for the message).
func Substitute(field, s string, vals map[string]string) (string, error) {
	var unknown []string
	out := placeholder.ReplaceAllStringFunc(s, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		v, ok := vals[name]
		if !ok {
			unknown = append(unknown, name)
			return m
		}
		return v
	})
	if len(unknown) > 0 {
		slices.Sort(unknown)
		unknown = slices.Compact(unknown)
		return "", fmt.Errorf("%w: %s: unknown variable %s in placeholder", ErrInvalidDefinition, field,
			strings.Join(quoteAll(unknown), ", "))
	}
	return out, nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// Command returns Startup with its placeholders substituted.
func (d Definition) Command() (string, error) {
	return Substitute("startup", d.Startup, d.values())
}

// RuntimeEnv returns the environment given to the process: Env, overlaid with Variables, then
// STARTUP (the substituted command) and the built-ins SERVER_MEMORY, SERVER_IP, SERVER_PORT.
func (d Definition) RuntimeEnv() (map[string]string, error) {
	cmd, err := d.Command()
	if err != nil {
		return nil, err
	}
	env := maps.Clone(d.Env)
	if env == nil {
		env = map[string]string{}
	}
	maps.Copy(env, d.Variables)
	env[VarStartup] = cmd
	maps.Copy(env, d.builtins())
	return env, nil
}

// Spec returns the runtime spec of d with its files in dir.
func (d Definition) Spec(dir string) (runtime.Spec, error) {
	env, err := d.RuntimeEnv()
	if err != nil {
		return runtime.Spec{}, err
	}
	return runtime.Spec{
		ID: d.ID, Image: d.Image, Command: env[VarStartup], Env: env, Dir: dir,
		Limits: d.Limits.Runtime(), IP: d.IP, Ports: d.ports(), User: d.RuntimeUser(),
	}, nil
}

// ports are the ports published for d (its primary port, if any).
func (d Definition) ports() []int {
	if d.Port <= 0 {
		return nil
	}
	return []int{d.Port}
}
