package containerd

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/skypanel/skypanel/runtime"
	"github.com/skypanel/skypanel/runtime/runtimetest"
)

// testRegistry is a read-only OCI distribution registry serving any repository from a content
// store: tag "latest"-style references resolve to target; basic auth is required.
type testRegistry struct {
	store      content.Store
	target     ocispec.Descriptor
	user, pass string
	authed     atomic.Int64 // requests that passed authentication
	sawAuth    atomic.Int64 // requests that carried an Authorization header
}

func (g *testRegistry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Header.Get("Authorization") != "" {
		g.sawAuth.Add(1)
	}
	if u, p, ok := req.BasicAuth(); !ok || u != g.user || p != g.pass {
		w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	g.authed.Add(1)
	path := req.URL.Path
	if path == "/v2/" {
		return
	}
	var ref string
	manifest := false
	if i := strings.Index(path, "/manifests/"); i > 0 {
		ref, manifest = path[i+len("/manifests/"):], true
	} else if i := strings.Index(path, "/blobs/"); i > 0 {
		ref = path[i+len("/blobs/"):]
	} else {
		http.NotFound(w, req)
		return
	}
	dgst := g.target.Digest
	if d, err := digest.Parse(ref); err == nil {
		dgst = d
	}
	b, err := content.ReadBlob(req.Context(), g.store, ocispec.Descriptor{Digest: dgst})
	if err != nil {
		http.NotFound(w, req)
		return
	}
	if manifest {
		var m struct {
			MediaType string `json:"mediaType"`
		}
		_ = json.Unmarshal(b, &m)
		w.Header().Set("Content-Type", m.MediaType)
	} else {
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Header().Set("Docker-Content-Digest", dgst.String())
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if req.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// TestPullThroughMirror pulls an image that is not local through an authenticated,
// plain-HTTP mirror (serving the test image under another name).
func TestPullThroughMirror(t *testing.T) {
	opts, image := testOptions(t)
	base := newTestRuntime(t, opts)
	ctx := base.ns(context.Background())
	img, err := base.client.GetImage(ctx, image)
	if err != nil {
		t.Fatal(err)
	}
	reg := &testRegistry{store: base.client.ContentStore(), target: img.Target(), user: "skypanel", pass: "secret"}
	srv := httptest.NewServer(reg)
	t.Cleanup(srv.Close)
	mirror := strings.TrimPrefix(srv.URL, "http://")

	cases := []struct {
		name     string
		password string
		wantErr  error
	}{
		{"GoodCredentials", "secret", nil},
		{"BadCredentials", "wrong", runtime.ErrImage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := opts
			o.Registry = RegistryOptions{Mirror: mirror, PlainHTTP: true, Username: "skypanel", Password: c.password}
			r := newTestRuntime(t, o)
			ref := "docker.io/skypanel/pulled:" + runtimetest.NewID()
			t.Cleanup(func() { _ = r.client.ImageService().Delete(ctx, ref) })
			spec := runtime.Spec{ID: runtimetest.NewID(), Image: ref, Command: runtimetest.CmdEcho, Dir: t.TempDir()}
			t.Cleanup(func() { _ = r.Delete(ctx, spec.ID) })
			before := reg.authed.Load()
			err := r.Create(ctx, spec)
			if !errors.Is(err, c.wantErr) || (c.wantErr == nil && err != nil) {
				t.Fatalf("Create = %v, want %v", err, c.wantErr)
			}
			if c.wantErr != nil {
				if strings.Contains(err.Error(), mirror) || strings.Contains(err.Error(), "127.0.0.1") {
					t.Errorf("the pull error shown to tenants names the mirror: %v", err)
				}
				if left := leftovers(t, r, spec.ID); len(left) > 0 {
					t.Fatalf("left behind: %v", left)
				}
				return
			}
			if reg.authed.Load() == before {
				t.Fatal("the mirror served no authenticated request")
			}
			con, err := r.Start(ctx, spec.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer con.Close()
			lines := runtimetest.ReadLines(con.Output())
			_, _ = io.WriteString(con.Stdin(), "pulled\n")
			lines.Expect(t, "echo:pulled")
		})
	}
}
