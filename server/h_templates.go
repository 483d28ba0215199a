package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/daemon/backup"
	"github.com/skypanel/skypanel/daemon/install"
	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/templates"
)

// tpls is the panel's template registry (template_store.go).
func (h *Handlers) tpls() templateStore { return newTemplateStore(h.a.store.Client) }

// ListTemplates lists the templates (built-in and stored) ordered by name.
func (h *Handlers) ListTemplates(ctx context.Context, req gen.ListTemplatesRequestObject) (gen.ListTemplatesResponseObject, error) {
	page, limit := pageOf(req.Params.Page, req.Params.Limit)
	list, total, err := h.tpls().List(ctx, offset(page, limit), limit)
	if err != nil {
		return nil, err
	}
	eggIDs, err := h.tpls().EggIDs(ctx) // template_store_import.go
	if err != nil {
		return nil, err
	}
	out := gen.TemplateList{Templates: make([]gen.TemplateSummary, 0, len(list)),
		Metadata: listMeta(page, limit, total)}
	for _, t := range list {
		sum := gen.TemplateSummary{Name: t.Name, Display: t.Display, Type: t.Type, SupportedVersions: t.SupportedVersions}
		if id, ok := eggIDs[t.Name]; ok {
			id32 := int32(id)
			sum.EggId = &id32
		}
		out.Templates = append(out.Templates, sum)
	}
	return gen.ListTemplates200JSONResponse{Body: out}, nil
}

// GetTemplate returns one template in full.
func (h *Handlers) GetTemplate(ctx context.Context, req gen.GetTemplateRequestObject) (gen.GetTemplateResponseObject, error) {
	if req.Params.Format != nil && *req.Params.Format == gen.GetTemplateParamsFormatEgg {
		return h.exportEgg(ctx, req.Name) // h_templates_import.go
	}
	t, err := h.tpls().Get(ctx, req.Name)
	if errors.Is(err, templates.ErrNotFound) {
		return nil, errNotFound(CodeTemplateNotFound, "Template", req.Name)
	}
	if err != nil {
		return nil, err
	}
	return templateResponse{visibleTemplate(ctx, t), http.StatusOK}, nil // tenants: no hidden variables
}

// CreateTemplate stores a new template (admin).
func (h *Handlers) CreateTemplate(ctx context.Context, req gen.CreateTemplateRequestObject) (gen.CreateTemplateResponseObject, error) {
	t, err := parseTemplateBody(req.Body)
	if err != nil {
		return nil, err
	}
	if err := h.tpls().Create(ctx, t); err != nil {
		return nil, err
	}
	return templateResponse{t, http.StatusCreated}, nil
}

// UpdateTemplate replaces a stored template (admin); built-ins are read-only.
func (h *Handlers) UpdateTemplate(ctx context.Context, req gen.UpdateTemplateRequestObject) (gen.UpdateTemplateResponseObject, error) {
	if req.Body.Name != req.Name {
		return nil, errFieldInvalid("name", fmt.Sprintf("the body's name %q differs from the path's %q", req.Body.Name, req.Name))
	}
	t, err := parseTemplateBody(req.Body)
	if err != nil {
		return nil, err
	}
	if err := h.tpls().Replace(ctx, t); err != nil {
		return nil, err
	}
	return templateResponse{t, http.StatusOK}, nil
}

// DeleteTemplate deletes a stored template no server uses (admin); built-ins are read-only.
func (h *Handlers) DeleteTemplate(ctx context.Context, req gen.DeleteTemplateRequestObject) (gen.DeleteTemplateResponseObject, error) {
	if err := h.tpls().Delete(ctx, req.Name); err != nil {
		return nil, err
	}
	return gen.DeleteTemplate204Response{}, nil
}

// parseTemplateBody reads a request's template with the templates package's parser and
// validation (an invalid field → 400 naming it, via mapTemplateError).
func parseTemplateBody(b *gen.Template) (*templates.Template, error) {
	raw, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("encode template: %w", err)
	}
	t, err := templates.Parse(raw)
	if err != nil {
		return nil, err
	}
	if err := checkNodeRules(t); err != nil {
		return nil, err
	}
	return t, nil
}

// templateResponse writes a template as its own JSON format, which is the API's Template
// schema plus the fields the schema does not list yet (api, project and build of download
// steps), so no field of the template is lost on the way.
type templateResponse struct {
	t      *templates.Template
	status int
}

func (r templateResponse) write(w http.ResponseWriter) error {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(r.t); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(r.status)
	_, err := buf.WriteTo(w)
	return err
}

func (r templateResponse) VisitGetTemplateResponse(w http.ResponseWriter) error    { return r.write(w) }
func (r templateResponse) VisitCreateTemplateResponse(w http.ResponseWriter) error { return r.write(w) }
func (r templateResponse) VisitUpdateTemplateResponse(w http.ResponseWriter) error { return r.write(w) }

// InstallServer runs the server's template install steps again (from the current template);
// ReinstallServer without wipe (h_suspend.go).
func (h *Handlers) InstallServer(ctx context.Context, req gen.InstallServerRequestObject) (gen.InstallServerResponseObject, error) {
	if err := h.reinstall(ctx, req.ServerId, false); err != nil {
		return nil, err
	}
	return gen.InstallServer204Response{}, nil
}

func unknownTemplate(name string) *APIError {
	return newAPIError(http.StatusBadRequest, CodeTemplateNotFound, fmt.Sprintf("template %q does not exist", name),
		map[string]any{"field": "template", "id": name})
}

// applyTemplate resolves a create request's template: its variables are validated against the
// template (defaults filled in), and the template's run command and image fill in an absent
// startup and dockerImage; only admin sets variables that are not userEditable. It returns a
// copy of b and the template (nil without one).
func applyTemplate(ctx context.Context, tpls templateStore, admin bool, b *gen.ServerCreate) (*gen.ServerCreate, *templates.Template, error) {
	if b.Template == nil {
		if b.Variables != nil {
			return b, nil, checkEditable(admin, &templates.Template{}, *b.Variables)
		}
		return b, nil, nil
	}
	tpl, err := tpls.Get(ctx, *b.Template)
	if errors.Is(err, templates.ErrNotFound) {
		return nil, nil, unknownTemplate(*b.Template)
	}
	if err != nil {
		return nil, nil, err
	}
	if env := b.EnvironmentType; env != nil && !tpl.Supports(string(*env)) {
		return nil, nil, errFieldInvalid("environmentType", fmt.Sprintf("the template %s does not support the %s environment", tpl.Name, *env))
	}
	values := map[string]any{}
	if b.Variables != nil {
		if err := checkEditable(admin, tpl, *b.Variables); err != nil {
			return nil, nil, err
		}
		for name, v := range *b.Variables {
			values[name] = variableValue(v)
		}
	}
	vars, err := resolveFor(admin, tpl, values, false) // template_hidden.go
	if err != nil {
		return nil, nil, err
	}
	out := *b
	if out.Startup == nil || strings.TrimSpace(*out.Startup) == "" {
		command := tpl.Run.Command
		out.Startup = &command
	}
	standard := b.EnvironmentType != nil && *b.EnvironmentType == gen.EnvironmentType(templates.EnvStandard)
	if (out.DockerImage == nil || *out.DockerImage == "") && tpl.Image != "" && !standard {
		image := tpl.Image
		out.DockerImage = &image
	}
	resolved := make(map[string]gen.VariableValue, len(vars))
	startup := *out.Startup
	for name, v := range vars {
		var gv gen.VariableValue
		if err := gv.FromVariableString(v); err != nil {
			return nil, nil, err
		}
		resolved[name] = gv
		startup = strings.ReplaceAll(startup, "{{"+name+"}}", v)
	}
	out.Variables = &resolved
	if strings.TrimSpace(startup) == "" {
		return nil, nil, newAPIError(http.StatusBadRequest, CodeFieldRequired,
			fmt.Sprintf("the template %s has no command of its own: give startup (or its variables)", tpl.Name),
			map[string]any{"field": "startup"})
	}
	return &out, tpl, nil
}

// checkEditable refuses a non-admin who sets a variable the template does not mark
// user-editable (templates.Template.UserEditable), naming the first such variable by name.
func checkEditable(admin bool, tpl *templates.Template, vars map[string]gen.VariableValue) error {
	if admin {
		return nil
	}
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		// unknown names are refused too when there is no template: such variables would only
		// reach the server's environment; with a template, Resolve refuses them (400).
		if _, known := tpl.Variables[name]; (known || tpl.Name == "") && !tpl.UserEditable(name) {
			return newAPIError(http.StatusForbidden, CodePermissionDenied,
				fmt.Sprintf("only administrators set the variable %q of the template %s", name, tpl.Name),
				map[string]any{"scopes": []string{"admin"}, "field": "variables." + name})
		}
	}
	return nil
}

// variableValue decodes an API variable value into a string, json.Number or bool.
func variableValue(v gen.VariableValue) any {
	raw, err := v.MarshalJSON()
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var x any
	if dec.Decode(&x) != nil {
		return nil
	}
	return x
}

// startInstall starts the installation of a freshly created server; a failure to start is
// logged (the server exists, its status tells, and POST install retries).
func (h *Handlers) startInstall(ctx context.Context, nc node.Client, id string) {
	if err := nc.Install(ctx, id, false); err != nil {
		h.a.log.Warn("installation did not start", "server", id, "err", err)
	}
}

// templateDefinition completes a server's node definition from its template: the stop
// command (placeholders substituted), signal and timeout, the ready patterns, the config
// files and the install plan; it returns the
// template's backup commands (nil when it has none). Servers without a (known) template keep
// what definitionOf set; a failing lookup is an error.
func templateDefinition(ctx context.Context, tpls templateStore, d *daemon.Definition, s *ent.Server) (*backup.Commands, error) {
	if s.Template == nil {
		return nil, nil
	}
	tpl, err := tpls.Get(ctx, *s.Template)
	if errors.Is(err, templates.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	vals := map[string]string{daemon.VarServerMemory: fmt.Sprint(d.Limits.MemoryMiB),
		daemon.VarServerPort: fmt.Sprint(d.Port), daemon.VarServerIP: d.IP}
	for k, v := range d.Variables {
		if _, builtin := vals[k]; !builtin {
			vals[k] = v
		}
	}
	stop, err := daemon.Substitute("stop", tpl.Run.Stop, vals)
	if err != nil {
		stop = tpl.Run.Stop
	}
	d.StopCommand = stop
	d.StopTimeout = daemon.Duration(time.Duration(tpl.Run.StopSeconds()) * time.Second)
	runDefinition(d, tpl)
	if raw, err := (install.Plan{Image: tpl.InstallImage, Steps: tpl.Install}).Encode(); err == nil {
		d.Install = raw
	}
	if tpl.Backup == nil {
		return nil, nil
	}
	// consistent backups of a running server (save-off/save-on)
	return &backup.Commands{Before: tpl.Backup.Before, After: tpl.Backup.After, Wait: templateBackupWait}, nil
}

// runDefinition copies the template's stop signal, ready patterns and config files into d.
// Config-file values keep their placeholders: the node substitutes them before every start,
// as it does the startup command. A template without stop command and signal leaves the
// signal empty (the node's SIGTERM).
func runDefinition(d *daemon.Definition, tpl *templates.Template) {
	d.StopSignal = tpl.Run.StopSignal
	d.Ready = slices.Clone(tpl.Run.Ready)
	d.ConfigFiles = nil
	for _, cf := range tpl.ConfigFiles {
		f := daemon.ConfigFile{File: cf.File, Parser: cf.Parser, Set: make([]daemon.ConfigSet, 0, len(cf.Set))}
		for _, set := range cf.Set {
			f.Set = append(f.Set, daemon.ConfigSet{Key: set.Key, Value: set.Value})
		}
		d.ConfigFiles = append(d.ConfigFiles, f)
	}
}

// templateBackupWait lets a game finish writing after the template's before-backup commands.
const templateBackupWait = 5 * time.Second
