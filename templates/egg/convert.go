package egg

import (
	"bytes"
	"encoding/json"
	"fmt"

	"regexp"
	"slices"
	"strings"

	"github.com/skypanel/skypanel/templates"
)

// eggPlaceholder matches {{NAME}} and {{env.NAME}} in an egg's startup.
var eggPlaceholder = regexp.MustCompile(`\{\{\s*(?:env\.)?([^{}\s]*)\s*\}\}`)

var slugUnsafe = regexp.MustCompile(`[^a-z0-9._-]+`)

// Convert turns an egg (PTDL_v2 or PLCN_v1 JSON) into a template that passes templates'
// validation, and returns what it keeps of the egg in Meta. Errors are *FieldError naming the
// egg's field, wrapping ErrInvalid or ErrUnsupported.
func Convert(raw []byte) (templates.Template, Meta, error) {
	var e rawEgg
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&e); err != nil {
		return templates.Template{}, Meta{}, invalid("$", "not an egg: %v", err)
	}
	if !slices.Contains(Formats, e.Meta.Version) {
		return templates.Template{}, Meta{}, unsupported("meta.version",
			"%q is not a known egg format (known: %s)", e.Meta.Version, strings.Join(Formats, ", "))
	}
	m := Meta{Format: e.Meta.Version, ExportedAt: e.ExportedAt, UUID: e.UUID, Author: e.Author,
		Tags: nilIfEmpty(e.Tags), Features: nilIfEmpty(e.Features), FileDenylist: nilIfEmpty(e.FileDenylist),
		Notes: []string{}}
	if e.Meta.UpdateURL != nil {
		m.UpdateURL = *e.Meta.UpdateURL
	}
	if e.Description != nil {
		m.Description = *e.Description
	}
	t := templates.Template{Name: slug(e.Name), Display: e.Name, Type: "generic",
		SupportedVersions: []string{}, Environments: []string{templates.EnvDocker},
		Install: []templates.Step{}, Variables: map[string]templates.Variable{}}
	if t.Name == "" || len(e.Name) > 100 {
		return t, m, invalid("name", "required, at most 100 characters, with a letter or digit")
	}
	steps := []func(*templates.Template, *Meta, *rawEgg) error{
		convertImages, convertVariables, convertStartup, convertConfig, convertInstall, checkEditable,
	}
	for _, step := range steps {
		if err := step(&t, &m, &e); err != nil {
			return templates.Template{}, Meta{}, err
		}
	}
	if err := t.Validate(); err != nil {
		return templates.Template{}, Meta{}, unsupported("$", "the converted template is not valid: %v", err)
	}
	return t, m, nil
}

// nilIfEmpty makes an empty list nil, as Meta's JSON (omitempty) reads it back.
func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// slug makes a template name from the egg's name.
func slug(name string) string {
	s := slugUnsafe.ReplaceAllString(strings.ToLower(name), "-")
	s = strings.TrimLeft(s, "._-")
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.TrimRight(s, "._-")
}

func convertImages(t *templates.Template, m *Meta, e *rawEgg) error {
	imgs, err := orderedImages(e.DockerImages)
	if err != nil {
		return invalid("docker_images", "%v", err)
	}
	if len(imgs) == 0 {
		return invalid("docker_images", "at least one image is needed")
	}
	for _, img := range imgs {
		if strings.TrimSpace(img.Image) == "" {
			return invalid("docker_images", "%q has an empty image", img.Label)
		}
	}
	m.Images, t.Image = imgs, imgs[0].Image
	return nil
}

// convertStartup maps the egg's placeholders onto ours (built-ins keep their names,
// {{VAR}} and {{env.VAR}} name the variable whose env_variable is VAR).
func convertStartup(t *templates.Template, _ *Meta, e *rawEgg) error {
	if strings.TrimSpace(e.Startup) == "" {
		return invalid("startup", "required")
	}
	var bad string
	t.Run.Command = eggPlaceholder.ReplaceAllStringFunc(e.Startup, func(p string) string {
		name := eggPlaceholder.FindStringSubmatch(p)[1]
		if _, ok := t.Variables[name]; !ok && !slices.Contains(templates.Builtins, name) && bad == "" {
			bad = p
		}
		return "{{" + name + "}}"
	})
	if bad != "" {
		return invalid("startup", "placeholder %s is neither a variable of the egg nor one of {{%s}}",
			bad, strings.Join(templates.Builtins, "}}, {{"))
	}
	return nil
}

// convertConfig reads config.stop, config.startup (the ready patterns) and config.files.
func convertConfig(t *templates.Template, m *Meta, e *rawEgg) error {
	if err := convertStop(t, m, e); err != nil {
		return err
	}
	startup, err := inner(e.Config.Startup)
	if err != nil {
		return invalid("config.startup", "%v", err)
	}
	if err := convertReady(t, m, startup); err != nil {
		return err
	}
	return convertFiles(t, m, e)
}

// checkEditable makes admin-only, with a note, what templates let only administrators set: a
// free-form string the egg lets users edit that reaches a command line (Pterodactyl's own
// Paper and Forge eggs have one, SERVER_JARFILE). The value stays settable by administrators;
// nothing is dropped.
func checkEditable(t *templates.Template, m *Meta, _ *rawEgg) error {
	for i, mv := range m.Variables {
		if t.InjectableString(mv.EnvVariable) {
			v := t.Variables[mv.EnvVariable]
			v.UserEditable = new(bool)
			t.Variables[mv.EnvVariable] = v
			m.Notes = append(m.Notes, fmt.Sprintf("variables[%d].user_editable: %s is a free-form string used in "+
				"the startup command; only administrators may set it", i, mv.EnvVariable))
		}
	}
	return nil
}
