package server_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/skypanel/skypanel/api"
)

// listingCap is the documented page size of a folder listing without `limit`.
const listingCap = 1000

// makeFiles creates n empty files named f0000… in dir (inside a server's volume).
func makeFiles(t *testing.T, dir string, n int) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	names := make([]string, n)
	for i := range n {
		names[i] = fmt.Sprintf("f%04d", i)
		if err := os.WriteFile(filepath.Join(dir, names[i]), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

func (e *filesEnv) list(t *testing.T, url string) api.FileList {
	t.Helper()
	r := e.Do(t, http.MethodGet, url, e.admin, nil, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, r.Status, r.Body)
	}
	var l api.FileList
	r.JSON(t, &l)
	return l
}

func fileNames(l api.FileList) []string {
	out := make([]string, 0, len(l.Files))
	for _, f := range l.Files {
		out = append(out, f.Name)
	}
	return out
}

// TestFolderListingWhole: without `limit` a folder is listed whole (not 25 entries) up to the
// documented cap; past it the first page holds the cap, paging.total tells the real count and
// `page` goes on in steps of the cap; with `limit` pages are as asked.
func TestFolderListingWhole(t *testing.T) {
	e := startFilesEnv(t)
	id := e.createServer(t, 0, 0)
	small := makeFiles(t, e.volume(id), 30) // more than the general default limit (25)
	big := makeFiles(t, filepath.Join(e.volume(id), "region"), listingCap+234)

	t.Run("root without limit", func(t *testing.T) {
		l := e.list(t, fileURL(id, ""))
		want := append([]string{"region"}, small...) // folders first
		if got := fileNames(l); !slices.Equal(got, want) {
			t.Fatalf("root listing = %d names %v…, want %d", len(got), got[:min(len(got), 3)], len(want))
		}
		p := l.Metadata.Paging
		if p.Page != 1 || p.Size != listingCap || p.Total != int64(len(want)) {
			t.Fatalf("paging = %+v", p)
		}
	})
	t.Run("past the cap", func(t *testing.T) {
		first := e.list(t, fileURL(id, "region"))
		p := first.Metadata.Paging
		if len(first.Files) != listingCap || p.Size != listingCap || p.Total != int64(len(big)) || p.Page != 1 {
			t.Fatalf("first page: %d entries, paging %+v", len(first.Files), p)
		}
		second := e.list(t, fileURL(id, "region")+"?page=2")
		if p := second.Metadata.Paging; p.Page != 2 || p.Size != listingCap || p.Total != int64(len(big)) {
			t.Fatalf("second page paging %+v", p)
		}
		if got := append(fileNames(first), fileNames(second)...); !slices.Equal(got, big) {
			t.Fatalf("two pages hold %d names, want all %d in order", len(got), len(big))
		}
		if third := e.list(t, fileURL(id, "region")+"?page=3"); len(third.Files) != 0 {
			t.Fatalf("third page: %d entries", len(third.Files))
		}
	})
	t.Run("with limit", func(t *testing.T) {
		l := e.list(t, fileURL(id, "region")+"?limit=100&page=13")
		p := l.Metadata.Paging
		if !slices.Equal(fileNames(l), big[1200:]) || p.Size != 100 || p.Page != 13 || p.Total != int64(len(big)) {
			t.Fatalf("page 13 of 100: %v, paging %+v", fileNames(l), p)
		}
		l = e.list(t, fileURL(id, "")+"?limit=5&page=2")
		if !slices.Equal(fileNames(l), small[4:9]) || l.Metadata.Paging.Size != 5 {
			t.Fatalf("root page 2 of 5: %v %+v", fileNames(l), l.Metadata.Paging)
		}
	})
}
