package sftp_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/skypanel/skypanel/daemon/sftp"
	"github.com/skypanel/skypanel/daemon/sftp/sftptest"
)

// benchSize is the file of the SFTP benchmarks (loopback, in-process client).
const benchSize = 256 << 20

// benchSource is a local file of benchSize random bytes.
func benchSource(b *testing.B) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), "src.bin")
	if err := os.WriteFile(p, randomBytes(b, benchSize), 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkSFTPUpload: MB/s of one 256 MiB upload (pkg/sftp client with concurrent writes,
// like OpenSSH's pipelined put) into a server's volume through daemon/files.
func BenchmarkSFTPUpload(b *testing.B) {
	f := sftptest.Start(b, sftp.Options{})
	src := benchSource(b)
	c, sc, err := f.Dial("alice.srv1", ssh.Password("secret"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	defer sc.Close()
	b.SetBytes(benchSize)
	b.ResetTimer()
	for b.Loop() {
		in, err := os.Open(src)
		if err != nil {
			b.Fatal(err)
		}
		w, err := sc.Create("upload.bin")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.ReadFrom(in); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		in.Close()
	}
}

// BenchmarkSFTPDownload: MB/s of one 256 MiB download (concurrent reads).
func BenchmarkSFTPDownload(b *testing.B) {
	f := sftptest.Start(b, sftp.Options{})
	src := benchSource(b)
	if err := os.Rename(src, filepath.Join(f.Dir, "download.bin")); err != nil {
		b.Fatal(err)
	}
	c, sc, err := f.Dial("alice.srv1", ssh.Password("secret"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	defer sc.Close()
	b.SetBytes(benchSize)
	b.ResetTimer()
	for b.Loop() {
		r, err := sc.Open("download.bin")
		if err != nil {
			b.Fatal(err)
		}
		n, err := r.WriteTo(io.Discard)
		if err != nil || n != benchSize {
			b.Fatalf("downloaded %d bytes: %v", n, err)
		}
		r.Close()
	}
}
