package transfer

import (
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkExportImport moves a 64 MiB volume (64 files of 1 MiB, incompressible) through an
// io.Pipe from Export into Import, as a transfer does on one machine.
func BenchmarkExportImport(b *testing.B) {
	src, dst := newNode(b), newNode(b)
	vol := src.volume(b, "srv", 0)
	buf := make([]byte, 1<<20)
	for i := range 64 {
		_, _ = rand.Read(buf)
		must(b, os.WriteFile(filepath.Join(vol, "f"+strconv.Itoa(i)), buf, 0o644))
	}
	b.SetBytes(64 << 20)
	for i := 0; b.Loop(); i++ {
		id := "t" + strconv.Itoa(i)
		tvol := dst.volume(b, id, 0)
		pr, pw := io.Pipe()
		go func() {
			_, err := Export(context.Background(), pw, Source{Server: "srv", Volume: vol, Backups: src.m})
			pw.CloseWithError(err)
		}()
		if _, err := Import(context.Background(), pr, Dest{Server: id, Volume: tvol, Backups: dst.m}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		must(b, os.RemoveAll(tvol))
		b.StartTimer()
	}
}
