package jsonfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReadReplace(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "state.json")
	if err := Write(p, map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, map[string]int{"a": 2}); err != nil {
		t.Fatal(err)
	}
	var got map[string]int
	if err := Read(p, &got); err != nil || got["a"] != 2 {
		t.Fatalf("read %v %v", got, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temp files left: %v", entries)
	}
	if err := Read(filepath.Join(dir, "missing.json"), &got); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if err := Write(filepath.Join(dir, "nodir", "x.json"), 1); err == nil {
		t.Fatal("write into a missing folder succeeded")
	}
}
