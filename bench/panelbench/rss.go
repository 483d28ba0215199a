package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// rssResult is the memory of an idle `skypanel serve`.
type rssResult struct {
	RSS, HWM int64 // VmRSS and VmHWM in bytes
	Anon     int64 // RssAnon (heap, stacks, SQLite cache) in bytes
	File     int64 // RssFile (mapped binary and libraries) in bytes
	Requests int   // requests made before idling
}

// dropPageCache writes back and drops the binary's pages from the page cache, so the next
// start maps it as after an install or reboot (read from disk). A binary just written by
// `go build` sits in the page cache in large folios, and the kernel's fault-around then maps
// far more of its text into every process (about 20 MB more RSS here).
func dropPageCache(bin string) error {
	f, err := os.Open(bin)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", bin, err)
	}
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		return fmt.Errorf("fadvise %s: %w", bin, err)
	}
	return nil
}

// measureRSS runs `bin serve` on dir (a fixed free loopback port, no containerd), makes a few
// requests (token, server pages, nodes), idles for idle and reads VmRSS of the process.
func measureRSS(bin, dir, form string, idle time.Duration) (rssResult, error) {
	port, err := freePort()
	if err != nil {
		return rssResult{}, err
	}
	logPath := filepath.Join(dir, "serve.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return rssResult{}, err
	}
	defer logf.Close()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "serve", "--data", dir, "--volumes", filepath.Join(dir, "volumes"), "--listen", addr, "--containerd", "/nonexistent",
		"--log-level", "warn", "--rate-limit-ip", "1000000000", "--rate-limit-client", "1000000000",
		"--sftp-listen", "127.0.0.1:0")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return rssResult{}, fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	res, err := exercise(cmd.Process.Pid, "http://"+addr, form, idle, exited)
	if stopErr := stop(cmd.Process, exited); err == nil {
		err = stopErr
	}
	if err != nil {
		tail, _ := os.ReadFile(logPath)
		return res, fmt.Errorf("%w\n--- serve log ---\n%s", err, lastLines(string(tail), 20))
	}
	return res, nil
}

func exercise(pid int, base, form string, idle time.Duration, exited <-chan error) (rssResult, error) {
	if err := waitReady(base, 30*time.Second, exited); err != nil {
		return rssResult{}, err
	}
	token, _, err := issueToken(base, form)
	if err != nil {
		return rssResult{}, err
	}
	res := rssResult{Requests: 1}
	for _, path := range []string{"/api/servers?limit=25&page=1", "/api/servers?limit=25&page=200",
		"/api/servers?limit=25&page=400", "/api/nodes", "/api/servers?limit=100&page=7"} {
		c, err := getAPI(base, token, path)
		if err != nil {
			return res, err
		}
		if c.Status != http.StatusOK {
			return res, fmt.Errorf("GET %s: %d %s", path, c.Status, c.Body)
		}
		res.Requests++
	}
	http.DefaultClient.CloseIdleConnections()
	time.Sleep(idle)
	m, err := procStatus(pid)
	if err != nil {
		return res, err
	}
	res.RSS, res.HWM, res.Anon, res.File = m["VmRSS"], m["VmHWM"], m["RssAnon"], m["RssFile"]
	if res.RSS == 0 {
		return res, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return res, nil
}

// waitReady polls the listener until it answers HTTP (any status).
func waitReady(base string, limit time.Duration, exited <-chan error) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("serve exited during startup: %v", err)
		default:
		}
		resp, err := http.Get(base + "/api/nodes")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("serve did not answer within " + limit.String())
}

// stop sends SIGTERM (graceful shutdown) and SIGKILL after 15 s.
func stop(p *os.Process, exited <-chan error) error {
	_ = p.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			return fmt.Errorf("serve exit: %w", err)
		}
		return nil
	case <-time.After(15 * time.Second):
		_ = p.Kill()
		<-exited //nolint:errcheck // killed: the exit status is known
		return errors.New("serve did not stop within 15s of SIGTERM")
	}
}

// procStatus reads the kB fields of /proc/PID/status, in bytes.
func procStatus(pid int) (map[string]int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		v, kB := strings.CutSuffix(strings.TrimSpace(v), " kB")
		if !ok || !kB {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", k, err)
		}
		out[k] = n << 10
	}
	return out, sc.Err()
}

// freePort asks the kernel for a free loopback port and releases it.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
