package files

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkListFolder lists a folder of 5,000 files one page at a time: the documented
// whole-folder page (1,000 entries, a listing without `limit`) and a page of 100.
func BenchmarkListFolder(b *testing.B) {
	s, v := newVol(b, 0)
	for i := range 5000 {
		if err := os.WriteFile(filepath.Join(v.Dir, fmt.Sprintf("r.%d.%d.mca", i/100, i%100)), []byte("x"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for _, limit := range []int{1000, 100} {
		b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) {
			for b.Loop() {
				res, err := s.Read(v, ".", 1, limit)
				if err != nil || len(res.Listing.Entries) != limit {
					b.Fatalf("list: %v", err)
				}
			}
		})
	}
}
