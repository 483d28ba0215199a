package install

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skypanel/skypanel/daemon/install/installtest"
	"github.com/skypanel/skypanel/runtime"
)

func TestDownload(t *testing.T) {
	fx := installtest.Start(t, installtest.Options{})
	in := New(config(fx), nil, logger(t))
	data := fx.File("data.bin")
	url := fx.URL + "/files/data.bin"
	cases := []struct {
		name  string
		step  Step
		err   error
		parts []string
		want  map[string][]byte // file → content, on success
	}{
		{name: "sha256 verified", step: Step{Type: "download", Files: []string{url}, Target: "dl/data.bin", SHA256: installtest.SHA256(data)},
			want: map[string][]byte{"dl/data.bin": data}},
		{name: "sha1 verified, name from URL", step: Step{Type: "download", Files: []string{url}, SHA1: installtest.SHA1(data)},
			want: map[string][]byte{"data.bin": data}},
		{name: "several into a folder", step: Step{Type: "download", Files: []string{url, fx.URL + "/files/notanarchive.txt"}, Target: "d"},
			want: map[string][]byte{"d/data.bin": data, "d/notanarchive.txt": fx.File("notanarchive.txt")}},
		{name: "mirror", step: Step{Type: "download", Files: []string{"https://downloads.example.com/data.bin"}, Target: "m.bin"},
			want: map[string][]byte{"m.bin": data}},
		{name: "sha256 mismatch", step: Step{Type: "download", Files: []string{url}, Target: "x", SHA256: installtest.SHA256([]byte("other"))},
			err: ErrChecksum, parts: []string{"sha256", installtest.SHA256([]byte("other"))}},
		{name: "sha1 mismatch", step: Step{Type: "download", Files: []string{url}, Target: "x", SHA1: installtest.SHA1([]byte("other"))},
			err: ErrChecksum, parts: []string{"sha1"}},
		{name: "404", step: Step{Type: "download", Files: []string{fx.URL + "/files/nope.bin"}, Target: "x"},
			err: ErrDownload, parts: []string{"404", "/files/nope.bin"}},
		{name: "slow server", step: Step{Type: "download", Files: []string{fx.URL + "/slow/data.bin"}, Target: "x"},
			err: ErrDownload, parts: []string{"no data for"}},
		{name: "truncated", step: Step{Type: "download", Files: []string{fx.URL + "/truncated/data.bin"}, Target: "x"},
			err: ErrDownload, parts: []string{"/truncated/data.bin"}},
		{name: "not http", step: Step{Type: "download", Files: []string{"ftp://example.com/x"}, Target: "x"},
			err: ErrInvalidPlan, parts: []string{"ftp://"}},
		{name: "target outside", step: Step{Type: "download", Files: []string{url}, Target: "../x"},
			err: ErrUnsafePath},
		{name: "URL without file name", step: Step{Type: "download", Files: []string{fx.URL + "/"}},
			err: ErrInvalidPlan, parts: []string{"no file name"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, out, err := install(t, in, c.step)
			if c.err != nil {
				expectErr(t, err, c.err, c.parts...)
				expectNothing(t, dir)
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			for name, body := range c.want {
				if read(t, dir, name) != string(body) {
					t.Errorf("%s differs", name)
				}
			}
			if len(files(t, dir)) != len(c.want) {
				t.Errorf("files = %v", files(t, dir))
			}
		})
	}
}

func TestDownloadHeaderTimeout(t *testing.T) {
	fx := installtest.Start(t, installtest.Options{})
	cfg := config(fx)
	cfg.HeaderTimeout = 200 * time.Millisecond
	dir, _, err := install(t, New(cfg, nil, logger(t)), Step{Type: "download", Files: []string{fx.URL + "/hang"}, Target: "x"})
	expectErr(t, err, ErrDownload, "no response within")
	expectNothing(t, dir)
}

func TestInstallTimeout(t *testing.T) {
	fx := installtest.Start(t, installtest.Options{})
	cfg := config(fx)
	cfg.Timeout = 300 * time.Millisecond
	dir, _, err := install(t, New(cfg, nil, logger(t)), Step{Type: "download", Files: []string{fx.URL + "/hang"}, Target: "x"})
	expectErr(t, err, context.DeadlineExceeded, "installation timed out after 300ms")
	expectNothing(t, dir)
}

// partOf returns the partial file and record names of a download (as download names them).
func partOf(url, target string) (string, string) {
	sum := sha256.Sum256([]byte(url + "\x00" + target))
	part := path.Join(workDir, hex.EncodeToString(sum[:12])+".part")
	return part, part + ".json"
}

func TestDownloadResume(t *testing.T) {
	fx := installtest.Start(t, installtest.Options{})
	in := New(config(fx), nil, logger(t))
	data := fx.File("data.bin")
	url := fx.URL + "/slow/data.bin"
	step := Step{Type: "download", Files: []string{url}, Target: "data.bin", SHA256: installtest.SHA256(data)}
	dir := t.TempDir()
	def := definition(t, runtime.EnvStandard, nil, step)

	// First attempt: cancelled (kill, daemon shutdown) while the server stalls after half.
	ctx, cancel := context.WithCancel(context.Background())
	c := &console{on: func(s string) {
		if strings.Contains(s, "downloading") {
			cancel()
		}
	}}
	err := in.Run(ctx, def, dir, c)
	expectErr(t, err, context.Canceled)
	part, _ := partOf(url, "data.bin")
	if _, err := os.Stat(filepath.Join(dir, "data.bin")); err == nil {
		t.Fatal("the target exists after a cancelled download")
	}
	fi, err := os.Stat(filepath.Join(dir, part))
	if err != nil || fi.Size() == 0 || fi.Size() > int64(len(data)/2) {
		t.Fatalf("partial file: %v %v", fi, err)
	}

	// Second attempt resumes from there (If-Range on the recorded ETag).
	var out console
	if err := in.Run(context.Background(), def, dir, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if read(t, dir, "data.bin") != string(data) {
		t.Fatal("resumed file differs")
	}
	reqs := fx.Requests()
	last := reqs[len(reqs)-1]
	if last.Range != "bytes="+itoa(fi.Size())+"-" || last.IfRange != installtest.ETag(data) {
		t.Errorf("resume request = %+v", last)
	}
	expectNothing(t, dir, "data.bin")

	// A stale record (the file changed upstream): the server answers 200 and the download restarts.
	dir2 := t.TempDir()
	url2 := fx.URL + "/files/data.bin"
	part2, meta2 := partOf(url2, "data.bin")
	must(t, os.MkdirAll(filepath.Join(dir2, workDir), 0o755))
	must(t, os.WriteFile(filepath.Join(dir2, part2), []byte("garbage garbage"), 0o644))
	rec, _ := json.Marshal(partMeta{URL: url2, ETag: `"stale"`})
	must(t, os.WriteFile(filepath.Join(dir2, meta2), rec, 0o600))
	step2 := Step{Type: "download", Files: []string{url2}, Target: "data.bin", SHA256: installtest.SHA256(data)}
	if err := in.Run(context.Background(), definition(t, runtime.EnvStandard, nil, step2), dir2, &out); err != nil {
		t.Fatal(err)
	}
	if read(t, dir2, "data.bin") != string(data) {
		t.Fatal("restarted file differs")
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestParseMirror(t *testing.T) {
	m, err := ParseMirror("https://a.example/x/=http://127.0.0.1:1/y/")
	if err != nil || m.From != "https://a.example/x/" || m.To != "http://127.0.0.1:1/y/" {
		t.Fatalf("%+v %v", m, err)
	}
	for _, bad := range []string{"", "https://a", "x=y", "ftp://a=http://b"} {
		if _, err := ParseMirror(bad); err == nil {
			t.Errorf("ParseMirror(%q) accepted", bad)
		}
	}
	c := Config{Mirrors: []Mirror{m}}
	if got := c.rewrite("https://a.example/x/file"); got != "http://127.0.0.1:1/y/file" {
		t.Errorf("rewrite = %s", got)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Config{
		{MojangManifestURL: "file:///etc/passwd"},
		{PaperAPIURL: "not a url"},
		{Mirrors: []Mirror{{From: "https://a", To: "ftp://b"}}},
		{Timeout: -1},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) accepted", c)
		}
	}
}
