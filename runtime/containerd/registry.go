package containerd

import (
	"context"
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
	// Username and Password authenticate to Mirror (to every registry when Mirror is empty),
	// with basic or token auth as the registry asks.
	Username, Password string
}

// hosts returns the registry configuration for one image's registry host.
func (o RegistryOptions) hosts() docker.RegistryHosts {
	httpClient := &http.Client{Transport: docker.DefaultHTTPTransport(nil)}
	authFor := func(match func(string) bool) docker.Authorizer {
		return docker.NewDockerAuthorizer(
			docker.WithAuthClient(httpClient),
			docker.WithAuthCreds(func(host string) (string, string, error) {
				if o.Username == "" || !match(host) {
					return "", "", nil
				}
				return o.Username, o.Password, nil
			}))
	}
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
	if o.Mirror == "" {
		return docker.ConfigureDefaultRegistries(
			docker.WithClient(httpClient), docker.WithPlainHTTP(plainOrigin),
			docker.WithAuthorizer(authFor(func(string) bool { return true })))
	}
	mirror := docker.ConfigureDefaultRegistries(
		docker.WithClient(httpClient), docker.WithPlainHTTP(plainMirror),
		docker.WithAuthorizer(authFor(func(h string) bool { return h == o.Mirror })),
		docker.WithHostTranslator(func(string) (string, error) { return o.Mirror, nil }))
	origin := docker.ConfigureDefaultRegistries(
		docker.WithClient(httpClient), docker.WithPlainHTTP(plainOrigin),
		docker.WithAuthorizer(authFor(func(string) bool { return false })))
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
		resolver := docker.NewResolver(docker.ResolverOptions{Hosts: r.opts.Registry.hosts()})
		img, err = r.client.Pull(ctx, ref,
			client.WithPullUnpack,
			client.WithResolver(resolver),
			client.WithPullSnapshotter(r.opts.Snapshotter))
		if err != nil {
			return nil, fmt.Errorf("%w: pull %s: %w", runtime.ErrImage, ref, err)
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
			return nil, fmt.Errorf("%w: unpack %s: %w", runtime.ErrImage, ref, err)
		}
	}
	return img, nil
}
