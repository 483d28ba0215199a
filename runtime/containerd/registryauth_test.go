package containerd

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/runtimetest"
)

func TestParseRegistryAuth(t *testing.T) {
	cases := []struct {
		in, host, user, pass string
		ok                   bool
	}{
		{"ghcr.io=me:tok:en", "ghcr.io", "me", "tok:en", true},
		{"Registry.Example.com:5000=u:p", "registry.example.com:5000", "u", "p", true},
		{"index.docker.io=u:p", "docker.io", "u", "p", true},
		{"https://registry-1.docker.io/v2/=u:p", "docker.io", "u", "p", true},
		{"ghcr.io=me", "", "", "", false},
		{"ghcr.io", "", "", "", false},
		{"=u:p", "", "", "", false},
		{"ghcr.io=:p", "", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			host, cred, err := ParseRegistryAuth(c.in)
			if !c.ok {
				if !errors.Is(err, ErrRegistryConfig) {
					t.Fatalf("err = %v, want ErrRegistryConfig", err)
				}
				return
			}
			if err != nil || host != c.host || cred != (Credentials{c.user, c.pass}) {
				t.Fatalf("= %q %+v %v, want %q %s:%s", host, cred, err, c.host, c.user, c.pass)
			}
		})
	}
}

func TestLoadDockerConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	b64 := base64.StdEncoding.EncodeToString([]byte("hub-user:hub:pass"))
	cfg := `{"auths":{
		"https://index.docker.io/v1/":{"auth":"` + b64 + `"},
		"ghcr.io":{"username":"gh","password":"tok"},
		"quay.io":{"identitytoken":"x"}
	},"credsStore":"desktop"}`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadDockerConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Credentials{"docker.io": {"hub-user", "hub:pass"}, "ghcr.io": {"gh", "tok"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for h, c := range want {
		if got[h] != c {
			t.Errorf("%s: %+v, want %+v", h, got[h], c)
		}
	}
	for name, bad := range map[string]string{
		"not json": `{`, "bad base64": `{"auths":{"a.io":{"auth":"***"}}}`,
		"no colon": `{"auths":{"a.io":{"auth":"` + base64.StdEncoding.EncodeToString([]byte("x")) + `"}}}`,
	} {
		if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadDockerConfig(path); !errors.Is(err, ErrRegistryConfig) {
			t.Errorf("%s: err = %v, want ErrRegistryConfig", name, err)
		}
	}
}

// TestRegistryCredentialsPerHost: credentials are handed out for their host only (Docker Hub
// under any of its names), the mirror's only to the mirror, and a username without a mirror
// is refused rather than sent everywhere.
func TestRegistryCredentialsPerHost(t *testing.T) {
	r, err := RegistryOptions{Mirror: "mirror.local:5000", Username: "m", Password: "mp",
		Auth: map[string]Credentials{"docker.io": {"hub", "hp"}, "ghcr.io": {"gh", "gp"}}}.resolver()
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"registry-1.docker.io": "hub", "docker.io": "hub", "GHCR.io": "gh", "mirror.local:5000": "m",
		"mirror.local": "", "evil.example": "", "ghcr.io.evil.example": "", "quay.io": "",
	}
	for host, want := range cases {
		user, _, err := r.credentials(host)
		if err != nil || user != want {
			t.Errorf("credentials(%q) = %q, %v; want %q", host, user, err, want)
		}
	}
	if _, err := (RegistryOptions{Username: "u", Password: "p"}).resolver(); !errors.Is(err, ErrRegistryConfig) {
		t.Errorf("username without mirror: err = %v, want ErrRegistryConfig", err)
	}
}

// TestPullCredentialsOnlyToTheirHost pulls from two local registries that both require the
// same login: the one configured gets the credentials and serves the image; the other never
// sees an Authorization header, and the pull fails as "access denied".
func TestPullCredentialsOnlyToTheirHost(t *testing.T) {
	opts, image := testOptions(t)
	base := newTestRuntime(t, opts)
	ctx := base.ns(context.Background())
	img, err := base.client.GetImage(ctx, image)
	if err != nil {
		t.Fatal(err)
	}
	newRegistry := func() (*testRegistry, string) {
		reg := &testRegistry{store: base.client.ContentStore(), target: img.Target(), user: "skypanel", pass: "secret"}
		srv := httptest.NewServer(reg)
		t.Cleanup(srv.Close)
		return reg, strings.TrimPrefix(srv.URL, "http://")
	}
	trusted, trustedHost := newRegistry()
	other, otherHost := newRegistry()
	o := opts
	o.Registry = RegistryOptions{Auth: map[string]Credentials{trustedHost: {"skypanel", "secret"}}}
	r := newTestRuntime(t, o)
	pull := func(host string) error {
		ref := host + "/skypanel/pulled:" + runtimetest.NewID()
		t.Cleanup(func() { _ = r.client.ImageService().Delete(ctx, ref) })
		spec := runtime.Spec{ID: runtimetest.NewID(), Image: ref, Command: runtimetest.CmdEcho, Dir: t.TempDir()}
		t.Cleanup(func() { _ = r.Delete(ctx, spec.ID) })
		return r.Create(ctx, spec)
	}
	if err := pull(trustedHost); err != nil {
		t.Fatalf("pull from the configured registry: %v", err)
	}
	if trusted.authed.Load() == 0 {
		t.Fatal("the configured registry served no authenticated request")
	}
	err = pull(otherHost)
	var pe *PullError
	if !errors.Is(err, runtime.ErrImage) || !errors.As(err, &pe) || pe.Reason != "access denied" {
		t.Fatalf("pull from the other registry = %v, want ErrImage access denied", err)
	}
	if n := other.sawAuth.Load(); n != 0 {
		t.Fatalf("the other registry received credentials %d times", n)
	}
}
