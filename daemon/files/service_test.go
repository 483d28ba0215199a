package files

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"
)

func newVol(t testing.TB, limit int64) (*Service, Volume) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "vol")
	must(t, os.Mkdir(dir, 0o750))
	s := New(Options{})
	t.Cleanup(s.Close)
	return s, Volume{ID: "srv", Dir: dir, LimitBytes: limit}
}

func readAll(t *testing.T, s *Service, v Volume, p string) string {
	t.Helper()
	res, err := s.Read(v, p, 1, 100)
	if err != nil {
		t.Fatalf("Read(%q): %v", p, err)
	}
	if res.File == nil {
		t.Fatalf("Read(%q) is a folder", p)
	}
	defer res.File.Close()
	b, err := io.ReadAll(res.File)
	must(t, err)
	return string(b)
}

func TestWriteReadDelete(t *testing.T) {
	s, v := newVol(t, 0)
	must(t, s.Write(v, "config/server.properties", strings.NewReader("motd=hi"), 7))
	if got := readAll(t, s, v, "config/server.properties"); got != "motd=hi" {
		t.Fatalf("content = %q", got)
	}
	must(t, os.Chmod(filepath.Join(v.Dir, "config/server.properties"), 0o755))
	must(t, s.Write(v, "config/server.properties", strings.NewReader("motd=bye"), -1))
	if got := readAll(t, s, v, "config/server.properties"); got != "motd=bye" {
		t.Fatalf("content after replace = %q", got)
	}
	if fi, _ := os.Stat(filepath.Join(v.Dir, "config/server.properties")); fi.Mode().Perm() != 0o755 {
		t.Fatalf("replaced file mode = %v, want the old 0755", fi.Mode())
	}
	must(t, s.Mkdir(v, "world/region"))
	must(t, s.Mkdir(v, "world/region")) // idempotent
	tests := []struct {
		name string
		err  error
		op   func() error
	}{
		{"write over folder", ErrConflict, func() error { return s.Write(v, "world", strings.NewReader("x"), 1) }},
		{"write under file", ErrConflict, func() error { return s.Write(v, "config/server.properties/x", strings.NewReader("x"), 1) }},
		{"mkdir over file", ErrConflict, func() error { return s.Mkdir(v, "config/server.properties") }},
		{"write root", ErrPathInvalid, func() error { return s.Write(v, "/", strings.NewReader("x"), 1) }},
		{"delete root", ErrPathInvalid, func() error { return s.Delete(v, "") }},
		{"delete missing", ErrNotFound, func() error { return s.Delete(v, "nope") }},
		{"read missing", ErrNotFound, func() error { _, err := s.Read(v, "nope/x", 1, 1); return err }},
		{"short body", nil, func() error {
			err := s.Write(v, "short", strings.NewReader("abc"), 10)
			if err == nil {
				return errors.New("no error")
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.op(); !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
		})
	}
	must(t, s.Delete(v, "config"))
	if _, err := os.Stat(filepath.Join(v.Dir, "config")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("config still there: %v", err)
	}
	assertNoTemp(t, v.Dir)
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && IsTemp(fi.Name()) {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

func TestListing(t *testing.T) {
	s, v := newVol(t, 0)
	for _, f := range []string{"b.txt", "a.txt", "C.txt", "z/x", "y/x", "A/x"} {
		must(t, s.Write(v, f, strings.NewReader("12345"), 5))
	}
	must(t, os.Symlink("y", filepath.Join(v.Dir, "linkdir")))
	must(t, os.Symlink("/etc", filepath.Join(v.Dir, "linkout")))
	must(t, syscall.Mkfifo(filepath.Join(v.Dir, "fifo"), 0o644))
	want := []string{"A/", "linkdir/", "y/", "z/", "C.txt", "a.txt", "b.txt", "fifo", "linkout"}
	var got []string
	for page := 1; ; page++ {
		res, err := s.Read(v, "/", page, 4)
		must(t, err)
		if res.Listing.Total != len(want) {
			t.Fatalf("total = %d, want %d", res.Listing.Total, len(want))
		}
		if len(res.Listing.Entries) == 0 {
			break
		}
		for _, e := range res.Listing.Entries {
			n := e.Name
			if !e.IsFile {
				n += "/"
			}
			got = append(got, n)
			if e.Name == "a.txt" && (e.Size != 5 || time.Since(e.Modified) > time.Hour) {
				t.Errorf("a.txt entry = %+v", e)
			}
			if e.Name == "linkout" && e.Size != 0 {
				t.Errorf("linkout entry = %+v", e)
			}
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("listing = %v, want %v", got, want)
	}
	if _, err := s.Read(v, "fifo", 1, 1); !errors.Is(err, ErrPathInvalid) {
		t.Fatalf("reading a FIFO: %v, want ErrPathInvalid", err)
	}
}

func TestDiskLimit(t *testing.T) {
	s, v := newVol(t, 1000)
	must(t, os.WriteFile(filepath.Join(v.Dir, "existing"), make([]byte, 400), 0o644))
	tests := []struct {
		name, path string
		size       int64 // body length
		known      bool  // pass the size
		err        error
	}{
		{"known fits", "a", 500, true, nil},
		{"known too big", "b", 200, true, ErrDiskLimit},
		{"chunked too big", "c", 200, false, ErrDiskLimit},
		{"replace same size", "a", 500, true, nil},
		{"chunked replace smaller", "a", 100, false, nil},
		{"chunked fits now", "d", 450, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := int64(-1)
			if tt.known {
				n = tt.size
			}
			body := iotest.HalfReader(strings.NewReader(strings.Repeat("x", int(tt.size))))
			if err := s.Write(v, tt.path, body, n); !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if tt.err != nil {
				if _, err := os.Stat(filepath.Join(v.Dir, tt.path)); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("refused upload left %s", tt.path)
				}
			}
			assertNoTemp(t, v.Dir)
		})
	}
	if used, err := s.Usage(v); err != nil || used != 950 {
		t.Fatalf("usage = %d, %v; want 950", used, err)
	}
	must(t, s.Delete(v, "existing"))
	if used, _ := s.Usage(v); used != 550 {
		t.Fatalf("usage after delete = %d, want 550", used)
	}
}

func TestSweepLeftovers(t *testing.T) {
	for _, limit := range []int64{0, 1 << 20} { // measured in the background / at once
		s, v := newVol(t, limit)
		must(t, os.MkdirAll(filepath.Join(v.Dir, "w"), 0o755))
		left := filepath.Join(v.Dir, "w", TempName())
		must(t, os.WriteFile(left, []byte("partial"), 0o644))
		old := time.Now().Add(-time.Hour)
		must(t, os.Chtimes(left, old, old))
		current := filepath.Join(v.Dir, "w", TempName()) // an upload of this process
		must(t, os.WriteFile(current, []byte("partial"), 0o644))
		must(t, s.Write(v, "new", strings.NewReader("x"), 1))
		s.Close() // waits for the background walk
		if _, err := os.Stat(left); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("limit %d: leftover of a killed upload not swept: %v", limit, err)
		}
		if _, err := os.Stat(current); err != nil {
			t.Errorf("limit %d: an upload of this process was swept: %v", limit, err)
		}
	}
}

func TestUsageRefresh(t *testing.T) {
	now := time.Unix(1e9, 0)
	dir := filepath.Join(t.TempDir(), "vol")
	must(t, os.Mkdir(dir, 0o750))
	s := New(Options{Refresh: time.Minute, Clock: func() time.Time { return now }})
	v := Volume{ID: "srv", Dir: dir, LimitBytes: 1 << 30}
	must(t, s.Write(v, "a", strings.NewReader("abc"), 3))
	must(t, os.WriteFile(filepath.Join(dir, "by-the-game"), make([]byte, 100), 0o644))
	if used, _ := s.Usage(v); used != 3 {
		t.Fatalf("usage = %d, want the cached 3", used)
	}
	now = now.Add(2 * time.Minute)
	_, _ = s.Usage(v) // starts the background walk
	s.Close()         // waits for it
	if used, _ := s.Usage(v); used != 103 {
		t.Fatalf("usage after refresh = %d, want 103", used)
	}
}

// TestConcurrentUploadsShareTheLimit: two uploads of unknown size that each fit alone but not
// together: exactly one is refused, whatever the order of their chunks.
func TestConcurrentUploadsShareTheLimit(t *testing.T) {
	s, v := newVol(t, 3<<20)
	chunk := strings.Repeat("c", copyBuffer)
	errs := make(chan error, 2)
	var pipes []*io.PipeWriter
	for _, name := range []string{"a", "b"} {
		pr, pw := io.Pipe()
		pipes = append(pipes, pw)
		go func() {
			err := s.Write(v, name, pr, -1)
			_ = pr.CloseWithError(err) // unblock the feeder when refused
			errs <- err
		}()
	}
	for range 2 { // interleaved 1 MiB chunks: a, b, a, b
		for _, pw := range pipes {
			_, _ = io.WriteString(pw, chunk)
		}
	}
	for _, pw := range pipes {
		_ = pw.Close()
	}
	var refused int
	for range 2 {
		if err := <-errs; errors.Is(err, ErrDiskLimit) {
			refused++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if used, _ := s.Usage(v); refused != 1 || used != 2<<20 {
		t.Fatalf("refused %d uploads, usage %d; want 1 refused and 2 MiB used", refused, used)
	}
	assertNoTemp(t, v.Dir)
}
