package install

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// paperSegment is what a project, version or build may look like (it becomes a URL path segment).
var paperSegment = regexp.MustCompile(`^[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,63}$`)

type paperProject struct {
	Versions []string `json:"versions"`
}

type paperBuild struct {
	Build     int    `json:"build"`
	Channel   string `json:"channel"`
	Downloads map[string]struct {
		Name   string `json:"name"`
		SHA256 string `json:"sha256"`
	} `json:"downloads"`
}

type paperBuilds struct {
	Builds []paperBuild `json:"builds"`
}

// paper runs a download step with api "paper": PaperMC downloads API v2. Version "latest" is
// the project's newest version; build "latest" its newest build on the default (stable)
// channel, else its newest build. The application download is verified with its sha256.
func (r *run) paper(ctx context.Context, s Step) error {
	project := orDefault(s.Project, "paper")
	base := strings.TrimRight(r.in.cfg.PaperAPIURL, "/") + "/v2/projects/"
	for field, v := range map[string]string{"project": project, "version": s.Version, "build": s.Build} {
		if v != "" && (!paperSegment.MatchString(v) || v == "." || v == "..") {
			return fmt.Errorf("%w: paper %s %q", ErrInvalidPlan, field, v)
		}
	}
	version := s.Version
	if version == "" || strings.EqualFold(version, "latest") {
		var p paperProject
		if _, err := r.in.getJSON(ctx, base+url.PathEscape(project), &p); err != nil {
			return fmt.Errorf("paper project %s: %w", project, err)
		}
		if len(p.Versions) == 0 {
			return fmt.Errorf("%w: paper project %s lists no versions", ErrVersionNotFound, project)
		}
		version = p.Versions[len(p.Versions)-1]
	}
	vbase := base + url.PathEscape(project) + "/versions/" + url.PathEscape(version)
	var list paperBuilds
	if _, err := r.in.getJSON(ctx, vbase+"/builds", &list); err != nil {
		return fmt.Errorf("%s %s builds: %w", project, version, err)
	}
	b, err := pickBuild(list.Builds, s.Build)
	if err != nil {
		return fmt.Errorf("%s %s: %w", project, version, err)
	}
	app, ok := b.Downloads["application"]
	if !ok || app.Name == "" {
		return fmt.Errorf("%w: %s %s build %d has no application download", ErrVersionNotFound, project, version, b.Build)
	}
	r.say("%s %s build %d (%s)", project, version, b.Build, orDefault(b.Channel, "default"))
	u := fmt.Sprintf("%s/builds/%d/downloads/%s", vbase, b.Build, url.PathEscape(app.Name))
	return r.download(ctx, fetch{url: u, target: orDefault(s.Target, "server.jar"), sha256: strings.ToLower(app.SHA256)})
}

// pickBuild finds the requested build ("latest" or "" = newest stable, else newest).
func pickBuild(builds []paperBuild, want string) (paperBuild, error) {
	if len(builds) == 0 {
		return paperBuild{}, fmt.Errorf("%w: no builds", ErrVersionNotFound)
	}
	if want == "" || strings.EqualFold(want, "latest") {
		for i := len(builds) - 1; i >= 0; i-- {
			if builds[i].Channel == "" || builds[i].Channel == "default" {
				return builds[i], nil
			}
		}
		return builds[len(builds)-1], nil
	}
	n, err := strconv.Atoi(want)
	if err != nil {
		return paperBuild{}, fmt.Errorf("%w: build %q is not a number", ErrInvalidPlan, want)
	}
	for _, b := range builds {
		if b.Build == n {
			return b, nil
		}
	}
	return paperBuild{}, fmt.Errorf("%w: build %d", ErrVersionNotFound, n)
}
