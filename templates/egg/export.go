package egg

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/skypanel/skypanel/templates"
)

// exportComment is the egg's _comment, as panels write one.
const exportComment = "Exported by SkyPanel from a template imported as an egg"

// outEgg is an exported egg, its fields in the order Pterodactyl and Pelican write them.
type outEgg struct {
	Comment      string        `json:"_comment"`
	Meta         outMeta       `json:"meta"`
	ExportedAt   string        `json:"exported_at,omitempty"`
	Name         string        `json:"name"`
	Author       string        `json:"author"`
	UUID         string        `json:"uuid,omitempty"`
	Description  *string       `json:"description"`
	Tags         []string      `json:"tags,omitempty"`
	Features     []string      `json:"features"`
	DockerImages object        `json:"docker_images"`
	FileDenylist []string      `json:"file_denylist"`
	Startup      string        `json:"startup"`
	Config       outConfig     `json:"config"`
	Scripts      outScripts    `json:"scripts"`
	Variables    []outVariable `json:"variables"`
}

type outMeta struct {
	Version   string  `json:"version"`
	UpdateURL *string `json:"update_url"`
}

// outConfig: PTDL_v2 writes files, startup and logs as strings holding JSON, PLCN_v1 as JSON.
type outConfig struct {
	Files   json.RawMessage `json:"files"`
	Startup json.RawMessage `json:"startup"`
	Logs    json.RawMessage `json:"logs"`
	Stop    string          `json:"stop"`
}

type outScripts struct {
	Installation rawInstall `json:"installation"`
}

// object is a JSON object written in its members' order.
type object []member

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.Key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(m.Value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Export writes t as an egg in m.Format (PTDL_v2 or PLCN_v1): what drives a server comes
// from the template (image, startup, stop, ready patterns, config files, install script,
// variables with their rules regenerated), the descriptive fields from m. Convert(Export(t,
// m)) gives t back. Errors are *FieldError naming the template's field, wrapping
// ErrNotExportable.
func Export(t templates.Template, m Meta) ([]byte, error) {
	if !slices.Contains(Formats, m.Format) {
		return nil, notExportable("format", "%q is not an egg format (known: %s)", m.Format, strings.Join(Formats, ", "))
	}
	plcn := m.Format == "PLCN_v1"
	e := outEgg{Comment: exportComment, Meta: outMeta{Version: m.Format}, ExportedAt: m.ExportedAt,
		Name: t.Display, Author: m.Author, UUID: m.UUID, Features: m.Features,
		FileDenylist: m.FileDenylist, Startup: t.Run.Command}
	if m.UpdateURL != "" {
		e.Meta.UpdateURL = &m.UpdateURL
	}
	if m.Description != "" {
		e.Description = &m.Description
	}
	if e.FileDenylist == nil {
		e.FileDenylist = []string{}
	}
	if plcn {
		e.Tags = m.Tags
	}
	var err error
	steps := []func() error{
		func() (err error) { e.DockerImages, err = exportImages(t, m); return err },
		func() (err error) { e.Config, err = exportConfig(t, plcn); return err },
		func() (err error) { e.Scripts.Installation, err = exportInstall(t); return err },
		func() (err error) { e.Variables, err = exportVariables(t, m, plcn); return err },
	}
	for _, step := range steps {
		if err = step(); err != nil {
			return nil, err
		}
	}
	return marshalIndent(e)
}

// marshalIndent writes v as panels do: indented by four spaces, HTML characters as is.
func marshalIndent(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// exportImages is m's image list with the template's image first (the egg's default),
// added under its own name when the list lacks it.
func exportImages(t templates.Template, m Meta) (object, error) {
	if t.Image == "" {
		return nil, notExportable("image", "an egg needs a docker image")
	}
	imgs := slices.Clone(m.Images)
	i := slices.IndexFunc(imgs, func(img Image) bool { return img.Image == t.Image })
	if i < 0 {
		imgs = slices.Insert(imgs, 0, Image{Label: t.Image, Image: t.Image})
	} else {
		first := imgs[i]
		imgs = slices.Insert(slices.Delete(imgs, i, i+1), 0, first)
	}
	out := make(object, 0, len(imgs))
	for _, img := range imgs {
		v, _ := json.Marshal(img.Image)
		out = append(out, member{Key: img.Label, Value: v})
	}
	return out, nil
}

// exportInstall rebuilds scripts.installation from the template's one command step.
func exportInstall(t templates.Template) (rawInstall, error) {
	switch {
	case len(t.Install) == 0:
		return rawInstall{}, nil
	case len(t.Install) > 1 || t.Install[0].Type != templates.StepCommand || len(t.Install[0].Commands) != 1:
		return rawInstall{}, notExportable("install", "an egg has one installation script; the template has other install steps")
	case t.Install[0].Mount != serverMount:
		return rawInstall{}, notExportable("install[0].mount", "an egg's script finds the server folder at %s", serverMount)
	}
	entrypoint, script, ok := parseInstallCommand(t.Install[0].Commands[0])
	if !ok {
		return rawInstall{}, notExportable("install[0].commands", "not an egg's installation script")
	}
	return rawInstall{Script: script, Container: t.InstallImage, Entrypoint: entrypoint}, nil
}
