package install

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	dfiles "github.com/skypanel/skypanel/daemon/files"
	"github.com/skypanel/skypanel/daemon/install/installtest"
	"github.com/skypanel/skypanel/runtime"
)

// installLimited runs steps in dir (pre-filled by the caller) under a 1 MiB disk limit.
func installLimited(t *testing.T, in *Installer, dir string, steps ...Step) error {
	t.Helper()
	def := definition(t, runtime.EnvStandard, nil, steps...)
	def.Limits.DiskMiB = 1
	var c console
	err := in.Run(context.Background(), def, dir, &c)
	t.Logf("console:\n%s", c.String())
	return err
}

// usage is the folder's size as the disk limit counts it.
func usage(t *testing.T, dir string) int64 {
	t.Helper()
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n, err := dfiles.Size(r)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDownloadDiskLimit: downloads bigger than the room the disk limit leaves fail with
// ErrDiskLimit (up front when announced, at the limit when streamed) and leave the folder
// within the limit; a replaced file's bytes count as free.
func TestDownloadDiskLimit(t *testing.T) {
	fx := installtest.Start(t, installtest.Options{})
	big := make([]byte, 3<<20)
	fx.Put("big.bin", big)
	fx.Put("small.bin", make([]byte, 600<<10))
	in := New(config(fx), nil, logger(t))
	cases := []struct {
		name    string
		url     string
		prefill int64 // bytes of an existing file named "keep"
		target  string
		parts   []string
	}{
		{"announced length", fx.URL + "/files/big.bin", 0, "big.bin", []string{"needs 3.0 MiB", "disk limit of 1 MiB"}},
		{"chunked body", fx.URL + "/chunked/big.bin", 0, "big.bin", []string{"stopped after", "disk limit of 1 MiB"}},
		{"room taken by other files", fx.URL + "/files/small.bin", 600 << 10, "small.bin", []string{"needs 0.6 MiB", "0.4 MiB left"}},
		{"folder already over the limit", fx.URL + "/files/small.bin", 2 << 20, "small.bin", []string{"holds 2.0 MiB, over its disk limit", "delete files"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.prefill > 0 {
				must(t, os.WriteFile(filepath.Join(dir, "keep"), make([]byte, c.prefill), 0o644))
			}
			err := installLimited(t, in, dir, Step{Type: "download", Files: []string{c.url}, Target: c.target})
			expectErr(t, err, dfiles.ErrDiskLimit, c.parts...)
			if _, err := os.Stat(filepath.Join(dir, c.target)); err == nil {
				t.Fatalf("%s was saved", c.target)
			}
			if got := usage(t, dir); got != c.prefill {
				t.Fatalf("folder holds %d bytes after the failure, want the %d it had", got, c.prefill)
			}
		})
	}
	t.Run("replacing a file frees its bytes", func(t *testing.T) {
		dir := t.TempDir()
		must(t, os.WriteFile(filepath.Join(dir, "small.bin"), make([]byte, 600<<10), 0o644))
		must(t, installLimited(t, in, dir, Step{Type: "download", Files: []string{fx.URL + "/files/small.bin"}, Target: "small.bin"}))
	})
}

// TestExtractDiskLimit: an archive whose contents pass the room left is refused before any
// entry is written.
func TestExtractDiskLimit(t *testing.T) {
	fx := installtest.Start(t, installtest.Options{})
	zip := installtest.Zip(installtest.File{Name: "a.bin", Body: strings.Repeat("a", 700<<10)},
		installtest.File{Name: "b.bin", Body: strings.Repeat("b", 700<<10)})
	fx.Put("pack.zip", zip)
	in := New(config(fx), nil, logger(t))
	dir := t.TempDir()
	err := installLimited(t, in, dir,
		Step{Type: "download", Files: []string{fx.URL + "/files/pack.zip"}, Target: "pack.zip"},
		Step{Type: "extract", Source: "pack.zip", Target: "."})
	expectErr(t, err, dfiles.ErrDiskLimit, "extracting pack.zip", "needs 1.4 MiB")
	if got := files(t, dir); strings.Join(got, ",") != "pack.zip" {
		t.Fatalf("files after the refused extraction: %v", got)
	}
}
