package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/skypanel/skypanel/bench/internal/benchpanel"
)

// bench holds the panel, the server under test and its folders.
type bench struct {
	p    *benchpanel.Panel
	id   string
	vol  string
	work string // scratch folder on the same file system (baselines)
}

// best runs fn rounds times and returns the shortest duration.
func best(rounds int, fn func() (time.Duration, error)) (time.Duration, error) {
	var min time.Duration
	for i := 0; i < rounds; i++ {
		d, err := fn()
		if err != nil {
			return 0, err
		}
		if i == 0 || d < min {
			min = d
		}
	}
	return min, nil
}

func timed(fn func() error) (time.Duration, error) {
	start := time.Now()
	err := fn()
	return time.Since(start), err
}

// warm reads every file of dir (both sides then read from the page cache).
func warm(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(io.Discard, f)
		return err
	})
}

// backupOnce creates a backup through the API and waits until it is done.
func (b *bench) backupOnce() (string, time.Duration, error) {
	var id string
	d, err := timed(func() error {
		out, err := b.p.JSON(http.MethodPost, "/api/servers/"+b.id+"/backup/create", "", http.StatusCreated)
		if err != nil {
			return err
		}
		var c struct{ ID string }
		if err := json.Unmarshal(out, &c); err != nil {
			return err
		}
		id = c.ID
		for {
			out, err := b.p.JSON(http.MethodGet, "/api/servers/"+b.id+"/backup?limit=100", "", http.StatusOK)
			if err != nil {
				return err
			}
			var l struct {
				Backups []struct{ ID, State, Reason string }
			}
			if err := json.Unmarshal(out, &l); err != nil {
				return err
			}
			for _, x := range l.Backups {
				if x.ID == id && x.State == "done" {
					return nil
				}
				if x.ID == id && x.State == "failed" {
					return fmt.Errorf("backup failed: %s", x.Reason)
				}
			}
			time.Sleep(2 * time.Millisecond)
		}
	})
	return id, d, err
}

func (b *bench) archive(id string) string {
	return filepath.Join(b.p.NodeDir, "backups", b.id, id+".tar.gz")
}

// tarCreate is the baseline of a backup: tar czf of the same tree.
func (b *bench) tarCreate() (time.Duration, error) {
	out := filepath.Join(b.work, "baseline.tar.gz")
	defer os.Remove(out)
	return timed(func() error { return command("tar", "czf", out, "-C", b.vol, ".") })
}

// restoreOnce restores a backup through the API.
func (b *bench) restoreOnce(id string) (time.Duration, error) {
	return timed(func() error {
		_, err := b.p.JSON(http.MethodPost, "/api/servers/"+b.id+"/backup/restore/"+id, "", http.StatusNoContent)
		return err
	})
}

// tarExtract is the baseline of a restore: tar xzf of the same archive into an empty folder.
func (b *bench) tarExtract(archive string) (time.Duration, error) {
	dst := filepath.Join(b.work, "extract")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return 0, err
	}
	defer os.RemoveAll(dst)
	return timed(func() error { return command("tar", "xzf", archive, "-C", dst) })
}

func command(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, out)
	}
	return nil
}

// download GETs url and discards the body; it checks the length.
func download(url, token string, size int64) (time.Duration, error) {
	return timed(func() error {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		n, err := io.Copy(io.Discard, resp.Body)
		if err == nil && (resp.StatusCode != http.StatusOK || n != size) {
			err = fmt.Errorf("GET %s: %d, %d bytes", url, resp.StatusCode, n)
		}
		return err
	})
}

// bareServer serves one file with a bare http.ServeContent: the download baseline.
func bareServer(path string) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer f.Close()
		fi, _ := f.Stat()
		http.ServeContent(w, r, filepath.Base(path), fi.ModTime(), f)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// cycle repeats buf until n bytes were read: a cheap source for uploads.
type cycle struct {
	buf []byte
	n   int64
	off int
}

func newCycle(n int64) *cycle {
	buf := make([]byte, 8<<20)
	_, _ = io.ReadFull(newData(int64(len(buf)), 7), buf)
	return &cycle{buf: buf, n: n}
}

func (c *cycle) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(int64(len(p)), c.n)], c.buf[c.off:])
	c.off = (c.off + k) % len(c.buf)
	c.n -= int64(k)
	return k, nil
}

// upload PUTs size bytes through the API.
func (b *bench) upload(name string, size int64) (time.Duration, error) {
	src := newCycle(size)
	return timed(func() error {
		_, err := b.p.Call(http.MethodPut, "/api/servers/"+b.id+"/file/"+name, "application/octet-stream", src, size, http.StatusNoContent)
		return err
	})
}

// writeDirect is the upload baseline: the same bytes written to a file directly.
func (b *bench) writeDirect(size int64) (time.Duration, error) {
	src := newCycle(size)
	p := filepath.Join(b.vol, "direct.bin")
	defer os.Remove(p)
	return timed(func() error {
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		_, err = io.CopyBuffer(f, src, make([]byte, 1<<20))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// peakRSS measures the peak RSS (VmHWM) of this process during fn, in MiB.
func peakRSS(fn func() error) (float64, error) {
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return 0, fmt.Errorf("reset the peak RSS: %w", err)
	}
	if err := fn(); err != nil {
		return 0, err
	}
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/self/status")
}
