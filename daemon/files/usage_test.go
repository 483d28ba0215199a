package files

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestOverLimitRefusesWrites: files the game wrote past the limit (os calls, not the
// service) are seen by Measure, every write is refused until a delete brings usage back under.
func TestOverLimitRefusesWrites(t *testing.T) {
	s, v := newVol(t, 1000)
	must(t, s.Write(v, "a.txt", strings.NewReader("hello"), 5))
	// the game writes 2000 bytes behind the service's back
	must(t, os.WriteFile(filepath.Join(v.Dir, "world.dat"), make([]byte, 2000), 0o644))
	used, err := s.Measure(v)
	must(t, err)
	if used != 2005 {
		t.Fatalf("Measure = %d, want 2005", used)
	}
	refused := map[string]func() error{
		"mkdir":              func() error { return s.Mkdir(v, "new/folder") },
		"empty write":        func() error { return s.Write(v, "empty.txt", strings.NewReader(""), 0) },
		"empty chunked":      func() error { return s.Write(v, "empty2.txt", strings.NewReader(""), -1) },
		"small known size":   func() error { return s.Write(v, "b.txt", strings.NewReader("x"), 1) },
		"small chunked body": func() error { return s.Write(v, "c.txt", strings.NewReader("x"), -1) },
	}
	for name, op := range refused {
		t.Run(name, func(t *testing.T) {
			err := op()
			var le *LimitError
			if !errors.Is(err, ErrDiskLimit) || !errors.As(err, &le) || le.UsedBytes != 2005 {
				t.Fatalf("err = %v, want ErrDiskLimit with 2005 bytes used", err)
			}
		})
	}
	for _, p := range []string{"new", "empty.txt", "empty2.txt", "b.txt", "c.txt"} {
		if _, err := os.Lstat(filepath.Join(v.Dir, p)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s exists after a refused write (err %v)", p, err)
		}
	}
	must(t, s.Delete(v, "world.dat"))
	if u, err := s.Usage(v); err != nil || u != 5 {
		t.Fatalf("Usage after delete = %d, %v; want 5", u, err)
	}
	must(t, s.Mkdir(v, "new/folder"))
	must(t, s.Write(v, "b.txt", strings.NewReader("x"), 1))
}

// TestSizeCountsSparseLength: the limit counts a sparse file at its full length.
func TestSizeCountsSparseLength(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "tmp"), nil, 0o644))
	must(t, os.Truncate(filepath.Join(dir, "tmp"), 1<<30))
	r, err := os.OpenRoot(dir)
	must(t, err)
	defer r.Close()
	n, err := Size(r)
	must(t, err)
	if n != 1<<30 {
		t.Fatalf("Size = %d, want %d", n, 1<<30)
	}
}

// TestTempLookalikeIsTenantData: a tenant's file that merely starts with TempPrefix is listed
// and counted, and never swept as a leftover upload.
func TestTempLookalikeIsTenantData(t *testing.T) {
	s, v := newVol(t, 1<<20)
	p := filepath.Join(v.Dir, TempPrefix+"mine.tmp")
	must(t, os.WriteFile(p, []byte("mine"), 0o644))
	old := time.Now().Add(-time.Hour)
	must(t, os.Chtimes(p, old, old))
	if n, err := s.Measure(v); err != nil || n != 4 {
		t.Fatalf("Measure = %d, %v; want 4", n, err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the tenant's file was swept: %v", err)
	}
	if !IsTemp(TempName()) || IsTemp(TempPrefix+"mine.tmp") || IsTemp(TempPrefix+"0123456789ABCDEF.tmp") {
		t.Fatal("IsTemp must accept exactly the names TempName makes")
	}
}

// BenchmarkMeasure is the disk watcher's cost per server per interval: one walk of a volume of
// 10,000 files in 100 folders.
func BenchmarkMeasure(b *testing.B) {
	s, v := newVol(b, 1<<30)
	for d := range 100 {
		dir := filepath.Join(v.Dir, "region", strconv.Itoa(d))
		must(b, os.MkdirAll(dir, 0o755))
		for f := range 100 {
			must(b, os.WriteFile(filepath.Join(dir, strconv.Itoa(f)+".mca"), []byte("x"), 0o644))
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if n, err := s.Measure(v); err != nil || n != 10000 {
			b.Fatalf("Measure = %d, %v", n, err)
		}
	}
}
