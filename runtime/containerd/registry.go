package containerd

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/remotes/docker"
	"github.com/containerd/errdefs"
	"github.com/distribution/reference"

	"github.com/skypanel/skypanel/runtime"
)

// RegistryOptions configure image pulls.
type RegistryOptions struct {
	// Mirror is a registry host[:port] tried first for every image (a pull-through cache or a
	// private registry holding the images); the image's own registry is tried after it.
	Mirror string
	// PlainHTTP talks HTTP instead of HTTPS to Mirror (to every registry when Mirror is empty).
	// Hosts on localhost always use HTTP.
	PlainHTTP bool
	// Username and Password authenticate to Mirror only (basic or token auth as the registry
	// asks); they need Mirror.
	Username, Password string
	// Auth holds credentials per registry host (keys as ParseRegistryAuth and
	// LoadDockerConfig return them). Credentials go to their host only: an image on any other
	// registry is pulled anonymously.
	Auth map[string]Credentials
}

// resolver hands out the registry configuration of pulls.
type resolver struct {
	opts  RegistryOptions
	auth  map[string]Credentials // normalised hosts
	hosts docker.RegistryHosts
}

// resolver checks the options and builds the host configuration once.
func (o RegistryOptions) resolver() (*resolver, error) {
	if o.Username != "" && o.Mirror == "" {
		return nil, fmt.Errorf("%w: a registry username needs a registry mirror (credentials for other registries: --registry-auth HOST=USER:PASS)", ErrRegistryConfig)
	}
	r := &resolver{opts: o, auth: map[string]Credentials{}}
	for h, c := range o.Auth {
		host, err := registryHost(h)
		if err != nil {
			return nil, err
		}
		r.auth[host] = c
	}
	if o.Mirror != "" && o.Username != "" {
		r.auth[canonicalHost(o.Mirror)] = Credentials{Username: o.Username, Password: o.Password}
	}
	r.hosts = r.registryHosts()
	return r, nil
}

// credentials returns the credentials configured for exactly host (none for any other).
func (r *resolver) credentials(host string) (string, string, error) {
	c, ok := r.auth[canonicalHost(host)]
	if !ok {
		return "", "", nil
	}
	return c.Username, c.Password, nil
}

// registryHosts returns the registry configuration for one image's registry host.
func (r *resolver) registryHosts() docker.RegistryHosts {
	o := r.opts
	httpClient := &http.Client{Transport: docker.DefaultHTTPTransport(nil)}
	authorizer := docker.NewDockerAuthorizer(docker.WithAuthClient(httpClient), docker.WithAuthCreds(r.credentials))
	// The plain-HTTP decision gets the image's registry host (before any mirror translation).
	plainOrigin := func(host string) (bool, error) {
		if o.PlainHTTP && o.Mirror == "" {
			return true, nil
		}
		return docker.MatchLocalhost(host)
	}
	plainMirror := func(string) (bool, error) {
		if o.PlainHTTP {
			return true, nil
		}
		return docker.MatchLocalhost(o.Mirror)
	}
	origin := docker.ConfigureDefaultRegistries(
		docker.WithClient(httpClient), docker.WithPlainHTTP(plainOrigin), docker.WithAuthorizer(authorizer))
	if o.Mirror == "" {
		return origin
	}
	mirror := docker.ConfigureDefaultRegistries(
		docker.WithClient(httpClient), docker.WithPlainHTTP(plainMirror), docker.WithAuthorizer(authorizer),
		docker.WithHostTranslator(func(string) (string, error) { return o.Mirror, nil }))
	return func(host string) ([]docker.RegistryHost, error) {
		m, err := mirror(host)
		if err != nil {
			return nil, err
		}
		for i := range m {
			m[i].Capabilities = docker.HostCapabilityPull | docker.HostCapabilityResolve
		}
		o, err := origin(host)
		if err != nil {
			return nil, err
		}
		return append(m, o...), nil
	}
}

// normalize turns "busybox" into "docker.io/library/busybox:latest". A malformed reference is
// an image that cannot be had (ErrImage, so the API names the image field).
func normalize(ref string) (string, error) {
	named, err := reference.ParseDockerRef(ref)
	if err != nil {
		return "", fmt.Errorf("%w: image %q: %w", runtime.ErrImage, ref, err)
	}
	return named.String(), nil
}

// ensureImage returns the local image ref, pulling (and unpacking) it when missing.
func (r *Runtime) ensureImage(ctx context.Context, ref string) (client.Image, error) {
	img, err := r.client.GetImage(ctx, ref)
	switch {
	case errdefs.IsNotFound(err):
		r.log.Info("pulling image", "image", ref, "mirror", r.opts.Registry.Mirror)
		resolver := docker.NewResolver(docker.ResolverOptions{Hosts: r.resolver.hosts})
		img, err = r.client.Pull(ctx, ref,
			client.WithPullUnpack,
			client.WithResolver(resolver),
			client.WithPullSnapshotter(r.opts.Snapshotter))
		if err != nil {
			r.log.Warn("pull failed", "image", ref, "err", err)
			return nil, newPullError(ref, err)
		}
		return img, nil
	case err != nil:
		return nil, fmt.Errorf("image %s: %w", ref, err)
	}
	unpacked, err := img.IsUnpacked(ctx, r.opts.Snapshotter)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", ref, err)
	}
	if !unpacked {
		if err := img.Unpack(ctx, r.opts.Snapshotter); err != nil {
			r.log.Warn("unpack failed", "image", ref, "err", err)
			return nil, &PullError{Ref: ref, Reason: "could not be unpacked", cause: err}
		}
	}
	return img, nil
}

// PullError is a failed pull. Its message names the image and a reason class only: the cause
// (which can carry mirror addresses, resolved IPs and registry responses) is logged and kept
// for errors.Is/As, never shown.
type PullError struct {
	Ref    string
	Reason string
	cause  error
}

func newPullError(ref string, err error) *PullError {
	reason := "the registry could not be reached or failed"
	switch {
	case errdefs.IsNotFound(err):
		reason = "not found"
	case errdefs.IsUnauthorized(err), errdefs.IsPermissionDenied(err), errors.Is(err, docker.ErrInvalidAuthorization):
		reason = "access denied"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		reason = "cancelled"
	}
	return &PullError{Ref: ref, Reason: reason, cause: err}
}

func (e *PullError) Error() string {
	return fmt.Sprintf("%v: pull %s: %s", runtime.ErrImage, e.Ref, e.Reason)
}

// Unwrap returns runtime.ErrImage and the cause.
func (e *PullError) Unwrap() []error { return []error{runtime.ErrImage, e.cause} }
