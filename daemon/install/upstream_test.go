package install

import (
	"testing"

	"github.com/skypanel/skypanel/daemon/install/installtest"
)

func TestMojang(t *testing.T) {
	fx := installtest.Start(t, installtest.Options{})
	in := New(config(fx), nil, logger(t))
	cases := []struct {
		version, target string
		object          string // jar path fetched, on success
		err             error
		parts           []string
	}{
		{version: "latest", object: installtest.LatestRelease},
		{version: "1.20.1", target: "jars/mc.jar", object: "1.20.1"},
		{version: "snapshot", object: installtest.LatestSnapshot},
		{version: "0.0.1", err: ErrVersionNotFound, parts: []string{`"0.0.1"`}},
		{version: "bad-sha1", err: ErrChecksum, parts: []string{"sha1", "server.jar"}},
		{version: "bad-size", err: ErrChecksum, parts: []string{"bytes"}},
		{version: "bad-manifest-sha1", err: ErrChecksum, parts: []string{"version file"}},
		{version: "missing", err: ErrDownload, parts: []string{"404"}},
		{version: "no-server", err: ErrVersionNotFound, parts: []string{"no server download"}},
		{version: "slow", err: ErrDownload, parts: []string{"no data for"}},
		{version: "truncated", err: ErrDownload, parts: []string{"truncated"}},
	}
	for _, c := range cases {
		t.Run(c.version, func(t *testing.T) {
			dir, out, err := install(t, in, Step{Type: "mojangdl", Version: c.version, Target: c.target})
			if c.err != nil {
				expectErr(t, err, c.err, c.parts...)
				expectNothing(t, dir)
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			target := orDefault(c.target, "server.jar")
			if read(t, dir, target) != string(fx.Jar) {
				t.Fatal("jar differs")
			}
			if fx.Hits("/mojang/objects/"+c.object+"/server.jar") == 0 {
				t.Errorf("%s was not downloaded", c.object)
			}
			expectNothing(t, dir, target)
		})
	}
	t.Run("manifest unreachable", func(t *testing.T) {
		cfg := config(fx)
		cfg.MojangManifestURL = fx.URL + "/mojang/nope.json"
		dir, _, err := install(t, New(cfg, nil, logger(t)), Step{Type: "mojangdl", Version: "latest"})
		expectErr(t, err, ErrDownload, "version manifest", "404")
		expectNothing(t, dir)
	})
}

func TestPaper(t *testing.T) {
	fx := installtest.Start(t, installtest.Options{})
	in := New(config(fx), nil, logger(t))
	cases := []struct {
		name, version, build string
		want                 []byte
		err                  error
		parts                []string
	}{
		{name: "latest stable", version: "latest", build: "latest", want: installtest.PaperJar(installtest.PaperLatest, installtest.PaperBuild)},
		{name: "given build", version: installtest.PaperLatest, build: "99", want: installtest.PaperJar(installtest.PaperLatest, 99)},
		{name: "experimental build by number", version: installtest.PaperLatest, build: "101", want: installtest.PaperJar(installtest.PaperLatest, 101)},
		{name: "sha256 mismatch", version: "1.20.6", err: ErrChecksum, parts: []string{"sha256"}},
		{name: "unknown version", version: "9.9", err: ErrDownload, parts: []string{"404", "9.9"}},
		{name: "unknown build", version: installtest.PaperLatest, build: "5", err: ErrVersionNotFound, parts: []string{"build 5"}},
		{name: "build not a number", version: installtest.PaperLatest, build: "abc", err: ErrInvalidPlan},
		{name: "path in version", version: "..", err: ErrInvalidPlan},
		{name: "slash in version", version: "1.21/../x", err: ErrInvalidPlan},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, out, err := install(t, in, Step{Type: "download", API: "paper", Project: "paper", Version: c.version, Build: c.build, Target: "server.jar"})
			if c.err != nil {
				expectErr(t, err, c.err, c.parts...)
				expectNothing(t, dir)
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if read(t, dir, "server.jar") != string(c.want) {
				t.Fatal("jar differs")
			}
			expectNothing(t, dir, "server.jar")
		})
	}
}
