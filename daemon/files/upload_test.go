package files

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// entries lists the names in a folder of the volume (temporaries included).
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	must(t, err)
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

// knownUsage makes the usage of an unlimited volume known now: the first write would start a
// background walk, whose drift accounting is approximate (see the package doc).
func knownUsage(t *testing.T, s *Service, v Volume) {
	t.Helper()
	if _, err := s.Usage(v); err != nil {
		t.Fatal(err)
	}
}

func TestUploadOutOfOrderCommit(t *testing.T) {
	s, v := newVol(t, 0)
	knownUsage(t, s, v)
	must(t, s.Write(v, "w/level.dat", strings.NewReader("old"), 3))
	u, err := s.Create(v, "w/level.dat", false, false)
	must(t, err)
	chunks := []string{"aaaa", "bbbb", "cccc", "dddd"}
	var wg sync.WaitGroup
	for i := len(chunks) - 1; i >= 0; i-- { // last chunk first, concurrently
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := u.WriteAt([]byte(chunks[i]), int64(4*i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := readAll(t, s, v, "w/level.dat"); got != "old" {
		t.Fatalf("readers see %q before the commit", got)
	}
	must(t, u.Commit())
	if got := readAll(t, s, v, "w/level.dat"); got != "aaaabbbbccccdddd" {
		t.Fatalf("after commit %q", got)
	}
	if n, err := s.Usage(v); err != nil || n != 16 {
		t.Fatalf("usage %d, %v; want 16", n, err)
	}
	if names := entries(t, filepath.Join(v.Dir, "w")); len(names) != 1 {
		t.Fatalf("left in the folder: %v", names)
	}
	if err := u.Commit(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("second commit: %v", err)
	}
}

func TestUploadAbortKeepsOld(t *testing.T) {
	s, v := newVol(t, 0)
	must(t, s.Write(v, "a.txt", strings.NewReader("old"), 3))
	u, err := s.Create(v, "a.txt", false, false)
	must(t, err)
	_, err = u.WriteAt([]byte("new content"), 0)
	must(t, err)
	u.Abort()
	u.Abort() // idempotent
	if got := readAll(t, s, v, "a.txt"); got != "old" {
		t.Fatalf("after abort %q", got)
	}
	if names := entries(t, v.Dir); len(names) != 1 {
		t.Fatalf("left: %v", names)
	}
	// the volume lock is released: an exclusive operation can run
	must(t, s.Exclusive(t.Context(), v.ID, func() error { return nil }))
}

func TestUploadDoesNotHoldTheVolume(t *testing.T) {
	s, v := newVol(t, 0)
	must(t, s.Write(v, "a.txt", strings.NewReader("old"), 3))
	u, err := s.Create(v, "a.txt", false, false)
	must(t, err)
	_, err = u.WriteAt([]byte("new"), 0)
	must(t, err)
	// a restore runs while the upload is open (it would hang here if the upload held the volume)
	must(t, s.Exclusive(t.Context(), v.ID, func() error {
		return os.WriteFile(filepath.Join(v.Dir, "a.txt"), []byte("restored"), 0o644)
	}))
	if err := u.Commit(); !errors.Is(err, ErrConflict) {
		t.Fatalf("commit after the volume was replaced: %v", err)
	}
	if got := readAll(t, s, v, "a.txt"); got != "restored" {
		t.Fatalf("a.txt = %q, want the restored content", got)
	}
	if names := entries(t, v.Dir); len(names) != 1 {
		t.Fatalf("left: %v", names)
	}
}

func TestUploadKeepAndExcl(t *testing.T) {
	s, v := newVol(t, 0)
	must(t, s.Write(v, "log.txt", strings.NewReader("line1\n"), 6))
	u, err := s.Create(v, "log.txt", true, false)
	must(t, err)
	_, err = u.WriteAt([]byte("line2\n"), 6)
	must(t, err)
	buf := make([]byte, 12)
	if n, _ := u.ReadAt(buf, 0); string(buf[:n]) != "line1\nline2\n" {
		t.Fatalf("ReadAt = %q", buf[:n])
	}
	mt := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	u.SetTimes(mt, mt)
	must(t, u.Commit())
	if got := readAll(t, s, v, "log.txt"); got != "line1\nline2\n" {
		t.Fatalf("appended %q", got)
	}
	if e, err := s.Stat(v, "log.txt"); err != nil || !e.Modified.Equal(mt) || e.Size != 12 || !e.IsFile {
		t.Fatalf("stat %+v, %v", e, err)
	}
	if _, err := s.Create(v, "log.txt", false, true); !errors.Is(err, ErrConflict) {
		t.Fatalf("exclusive create over a file: %v", err)
	}
	if _, err := s.Create(v, "", false, false); !errors.Is(err, ErrPathInvalid) {
		t.Fatalf("create the root: %v", err)
	}
}

func TestUploadDiskLimit(t *testing.T) {
	s, v := newVol(t, 100)
	must(t, s.Write(v, "a", strings.NewReader(strings.Repeat("x", 60)), 60))
	u, err := s.Create(v, "a", false, false) // replaces 60 bytes: 100 available
	must(t, err)
	if _, err := u.WriteAt(make([]byte, 100), 0); err != nil {
		t.Fatalf("100 bytes replacing 60 under a 100 limit: %v", err)
	}
	if _, err := u.WriteAt([]byte("y"), 100); !errors.Is(err, ErrDiskLimit) {
		t.Fatalf("byte 101: %v", err)
	}
	if err := u.Truncate(1000); !errors.Is(err, ErrDiskLimit) {
		t.Fatalf("truncate past the limit: %v", err)
	}
	u2, err := s.Create(v, "b", false, false)
	must(t, err)
	if _, err := u2.WriteAt([]byte("z"), 0); !errors.Is(err, ErrDiskLimit) {
		t.Fatalf("a concurrent upload got bytes reserved by the first: %v", err)
	}
	u2.Abort()
	must(t, u.Commit())
	if n, _ := s.Usage(v); n != 100 {
		t.Fatalf("usage %d, want 100", n)
	}
	if err := s.Truncate(v, "a", 101); !errors.Is(err, ErrDiskLimit) {
		t.Fatalf("Truncate past the limit: %v", err)
	}
	must(t, s.Truncate(v, "a", 10))
	if n, _ := s.Usage(v); n != 10 {
		t.Fatalf("usage after truncate %d, want 10", n)
	}
}

func TestRenameRemove(t *testing.T) {
	s, v := newVol(t, 0)
	knownUsage(t, s, v)
	must(t, s.Write(v, "a.txt", strings.NewReader("a"), 1))
	must(t, s.Write(v, "b.txt", strings.NewReader("bb"), 2))
	must(t, s.Mkdir(v, "d/e"))
	for name, tc := range map[string]struct {
		err error
		op  func() error
	}{
		"rename onto a file":     {ErrConflict, func() error { return s.Rename(v, "a.txt", "b.txt", false) }},
		"posix rename onto dir":  {ErrConflict, func() error { return s.Rename(v, "a.txt", "d", true) }},
		"rename the root":        {ErrPathInvalid, func() error { return s.Rename(v, "/", "x", false) }},
		"rename onto the root":   {ErrPathInvalid, func() error { return s.Rename(v, "a.txt", "", true) }},
		"rename missing":         {ErrNotFound, func() error { return s.Rename(v, "nope", "x", false) }},
		"rename into missing":    {ErrNotFound, func() error { return s.Rename(v, "a.txt", "no/x", false) }},
		"dir into itself":        {ErrPathInvalid, func() error { return s.Rename(v, "d", "d/e/d", false) }},
		"remove a folder":        {ErrConflict, func() error { return s.Remove(v, "d", false) }},
		"rmdir a file":           {ErrConflict, func() error { return s.Remove(v, "a.txt", true) }},
		"rmdir non-empty":        {ErrConflict, func() error { return s.Remove(v, "d", true) }},
		"remove the root":        {ErrPathInvalid, func() error { return s.Remove(v, "", true) }},
		"remove missing":         {ErrNotFound, func() error { return s.Remove(v, "nope", false) }},
		"truncate a folder":      {ErrConflict, func() error { return s.Truncate(v, "d", 0) }},
		"chtimes missing":        {ErrNotFound, func() error { return s.Chtimes(v, "nope", time.Now(), time.Now()) }},
		"stat missing":           {ErrNotFound, func() error { _, err := s.Stat(v, "nope"); return err }},
		"rename to a hostile to": {ErrPathInvalid, func() error { return s.Rename(v, "a.txt", "../x", false) }},
	} {
		if err := tc.op(); !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", name, err, tc.err)
		}
	}
	if n, _ := s.Usage(v); n != 3 {
		t.Fatalf("usage %d, want 3", n)
	}
	must(t, s.Rename(v, "a.txt", "b.txt", true)) // replaces 2 bytes with 1
	if n, _ := s.Usage(v); n != 1 {
		t.Fatalf("usage after replacing rename %d, want 1", n)
	}
	must(t, s.Rename(v, "b.txt", "d/e/b.txt", false))
	must(t, s.Remove(v, "d/e/b.txt", false))
	must(t, s.Remove(v, "d/e", true))
	if n, _ := s.Usage(v); n != 0 {
		t.Fatalf("usage after remove %d, want 0", n)
	}
	if names := entries(t, v.Dir); len(names) != 1 || names[0] != "d" {
		t.Fatalf("volume holds %v", names)
	}
}
