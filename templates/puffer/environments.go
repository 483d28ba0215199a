package puffer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/skypanel/skypanel/templates"
)

// envEntry is one environment of the source with the field it was read from.
type envEntry struct {
	field string
	raw   rawEnv
}

// environments returns the source's environments: the default ("environment") first, then
// supportedEnvironments, as written.
func environments(src *rawTemplate) []rawEnv {
	var out []rawEnv
	for _, e := range envEntries(src) {
		out = append(out, e.raw)
	}
	return out
}

func envEntries(src *rawTemplate) []envEntry {
	var out []envEntry
	if src.Environment != nil {
		out = append(out, envEntry{"environment", *src.Environment})
	}
	for i, e := range src.SupportedEnvironments {
		out = append(out, envEntry{fmt.Sprintf("supportedEnvironments[%d]", i), e})
	}
	return out
}

// convertEnvironments returns templates' environments in the source's order (default
// first) and sets the docker image. host (PufferPanel 2: standard, or tty: on a terminal,
// noted) → standard, docker with an image → docker; any other type, or docker settings
// templates cannot express, is refused.
func convertEnvironments(c *conv, t *templates.Template, m *Meta, src *rawTemplate) ([]string, error) {
	entries := envEntries(src)
	if len(entries) == 0 {
		return nil, invalid("environment", "required (host or docker)")
	}
	m.Environments = []Environment{}
	var envs []string
	for _, e := range entries {
		env, err := convertEnvironment(e)
		if err != nil {
			return nil, err
		}
		if e.raw.Type == "tty" {
			c.note(env, "%s: tty runs the server as a standard environment's host process, without a terminal", e.field)
		}
		if e.field == "environment" {
			m.Environment = e.raw.Type
		} else {
			m.Environments = append(m.Environments, Environment{Type: e.raw.Type, Image: e.raw.Image, PortBindings: e.raw.PortBindings})
		}
		if env == templates.EnvDocker {
			if t.Image != "" && t.Image != e.raw.Image {
				return nil, unsupported(e.field+".image", "a second docker image (%s besides %s); templates have one", e.raw.Image, t.Image)
			}
			t.Image = e.raw.Image
		}
		if !slices.Contains(envs, env) {
			envs = append(envs, env)
		}
	}
	if len(src.SupportedEnvironments) == 0 {
		m.Environments = append(m.Environments, Environment{Type: src.Environment.Type, Image: src.Environment.Image,
			PortBindings: src.Environment.PortBindings})
	}
	return envs, nil
}

func convertEnvironment(e envEntry) (string, error) {
	r := e.raw
	switch r.Type {
	case "host", "standard":
		return templates.EnvStandard, nil
	case "tty": // PufferPanel 2: a host process on a pseudo-terminal
		return templates.EnvStandard, nil
	case "docker":
	default:
		return "", unsupported(e.field+".type", "%q is neither host (standard) nor docker", r.Type)
	}
	switch {
	case strings.TrimSpace(r.Image) == "":
		return "", invalid(e.field+".image", "a docker environment needs an image")
	case strings.Contains(r.Image, "${") || strings.Contains(r.Image, "{{"):
		return "", unsupported(e.field+".image", "%q: templates have a fixed image", r.Image)
	case len(r.Bindings) > 0:
		return "", unsupported(e.field+".bindings", "host folders bound into the container are not supported")
	case r.NetworkName != "":
		return "", unsupported(e.field+".networkName", "servers get their own network")
	case r.ContainerRoot != "" || r.Root != "":
		return "", unsupported(e.field+".containerRoot", "servers run in %s", templates.DefaultMount)
	case !isEmpty(r.HostConfig):
		return "", unsupported(e.field+".hostConfig", "docker host settings are not supported")
	case !isEmpty(r.Config):
		return "", unsupported(e.field+".config", "docker container settings are not supported")
	case len(r.Labels) > 0:
		return "", unsupported(e.field+".labels", "container labels are not supported")
	}
	return templates.EnvDocker, nil
}

func isEmpty(raw []byte) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null" || s == "{}" || s == "[]"
}
