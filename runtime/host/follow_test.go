package host

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestFollowerBoundsDisk: a follower reads every byte written by an O_APPEND writer and punches
// what it consumed, so the file's disk use stays near maxKeep while its size grows.
func TestFollowerBoundsDisk(t *testing.T) {
	const (
		total   = 16 << 20
		maxKeep = 1 << 20
	)
	path := filepath.Join(t.TempDir(), "output.log")
	w, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	fl, err := newFollower(path, false, maxKeep, exited)
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	go func() {
		for i := 0; i < total/len(chunk); i++ {
			_, _ = w.Write(chunk)
		}
		w.Close()
		close(exited)
	}()
	n, err := io.Copy(io.Discard, fl)
	if err != nil || n != total {
		t.Fatalf("read %d bytes (%v), want %d", n, err, total)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	if st.Size != total {
		t.Fatalf("file size %d, want %d", st.Size, total)
	}
	if used := st.Blocks * 512; used > maxKeep+int64(len(chunk)) {
		t.Fatalf("file uses %d bytes on disk, want at most %d", used, maxKeep+len(chunk))
	}
}

// TestFollowerFromEnd: an attach starts at the end of what was written before.
func TestFollowerFromEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "output.log")
	if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	fl, err := newFollower(path, true, 1<<20, exited)
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString("new\n")
	f.Close()
	close(exited)
	b, err := io.ReadAll(fl)
	if err != nil || string(b) != "new\n" {
		t.Fatalf("read %q (%v), want %q", b, err, "new\n")
	}
}

// TestFollowerClose: Close ends a blocked Read with io.EOF.
func TestFollowerClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "output.log")
	fl, err := newFollower(path, false, 1<<20, make(chan struct{}))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := fl.Read(make([]byte, 10))
		done <- err
	}()
	fl.Close()
	if err := <-done; err != io.EOF {
		t.Fatalf("Read after Close = %v, want io.EOF", err)
	}
}
