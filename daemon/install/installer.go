package install

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/skypanel/skypanel/daemon"
	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/templates"
)

// workDir is the folder, inside the server folder, that holds partial downloads and
// extraction staging; it is removed after a successful installation.
const workDir = ".skypanel-install"

// Installer runs install plans. It is safe for concurrent use by different servers.
type Installer struct {
	cfg      Config
	runtimes map[string]runtime.Runtime
	log      *slog.Logger
	client   *http.Client
}

// New returns an Installer; runtimes (by environment) run the command steps.
func New(cfg Config, runtimes map[string]runtime.Runtime, log *slog.Logger) *Installer {
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Installer{cfg: cfg, runtimes: runtimes, log: log.With("component", "install"),
		client: &http.Client{Transport: cfg.Transport}}
}

// run is the state of one installation.
type run struct {
	in    *Installer
	def   daemon.Definition
	plan  Plan
	dir   string
	root  *os.Root
	owner owner
	out   io.Writer
}

// Run installs def into dir (its volume), writing progress to out; it is a daemon.InstallFunc.
// The plan comes from def.Install; placeholders are substituted from def's variables and the
// built-ins before any step runs, so a bad placeholder fails before anything is written.
func (in *Installer) Run(ctx context.Context, def daemon.Definition, dir string, out io.Writer) error {
	plan, err := ParsePlan(def.Install)
	if err != nil {
		return err
	}
	vals := values(def)
	for i, s := range plan.Steps {
		if plan.Steps[i], err = substitute(s, vals); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, s.Type, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, in.cfg.Timeout)
	defer cancel()
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("open the server folder: %w", err)
	}
	defer root.Close()
	r := &run{in: in, def: def, plan: plan, dir: dir, root: root, owner: ownerOf(dir), out: out}
	err = r.steps(ctx)
	cancelled := errors.Is(err, context.Canceled) && ctx.Err() != nil
	if !cancelled { // a cancelled installation keeps its partial downloads, to resume them
		if rerr := root.RemoveAll(workDir); rerr != nil && err == nil {
			err = fmt.Errorf("remove %s: %w", workDir, rerr)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return fmt.Errorf("installation timed out after %s: %w", in.cfg.Timeout, err)
	}
	return err
}

// steps runs the plan's steps in order.
func (r *run) steps(ctx context.Context) error {
	n := len(r.plan.Steps)
	for i, s := range r.plan.Steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		r.say("step %d/%d: %s", i+1, n, describe(s))
		if err := r.step(ctx, s); err != nil {
			return fmt.Errorf("step %d/%d (%s): %w", i+1, n, s.Type, err)
		}
	}
	return nil
}

func (r *run) step(ctx context.Context, s Step) error {
	switch s.Type {
	case templates.StepDownload:
		if s.API == templates.APIPaper {
			return r.paper(ctx, s)
		}
		return r.downloadStep(ctx, s)
	case templates.StepMojangDL:
		return r.mojang(ctx, s)
	case templates.StepCommand:
		return r.command(ctx, s)
	case templates.StepWriteFile:
		return r.writeFile(s.Target, []byte(s.Text))
	case templates.StepMkdir:
		for _, d := range s.Files {
			if err := r.mkdirAll(d); err != nil {
				return err
			}
		}
		return nil
	case templates.StepMove:
		return r.move(s.Source, s.Target)
	case templates.StepExtract:
		return r.extract(ctx, s.Source, s.Target)
	case templates.StepAlterFile:
		return r.alterFile(s)
	}
	return fmt.Errorf("%w: unknown step type %q", ErrInvalidPlan, s.Type)
}

// describe is the console line of a step.
func describe(s Step) string {
	switch s.Type {
	case templates.StepDownload:
		if s.API != "" {
			return fmt.Sprintf("download %s %s (build %s) → %s", s.Project, s.Version, s.Build, s.Target)
		}
		return fmt.Sprintf("download %s → %s", strings.Join(s.Files, ", "), orDefault(s.Target, "."))
	case templates.StepMojangDL:
		return fmt.Sprintf("minecraft server %s → %s", s.Version, orDefault(s.Target, "server.jar"))
	case templates.StepCommand:
		return fmt.Sprintf("run %d command(s)", len(s.Commands))
	case templates.StepMkdir:
		return "mkdir " + strings.Join(s.Files, " ")
	case templates.StepMove, templates.StepExtract:
		return fmt.Sprintf("%s %s → %s", s.Type, s.Source, orDefault(s.Target, "."))
	}
	return s.Type + " " + s.Target
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// say writes a progress line to the console.
func (r *run) say(format string, args ...any) {
	fmt.Fprintf(r.out, "[install] "+format+"\n", args...)
}
