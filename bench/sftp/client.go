package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// target is one SFTP server under test.
type target struct {
	name   string
	addr   string // host:port
	login  string // SSH user
	remote string // the file's path on the server
}

// client drives OpenSSH's sftp in batch mode.
type client struct {
	work, key, cipher string
}

// best runs the transfer dir ("upload" or "download") of src to/from t rounds times and
// returns the fastest; every download is compared with want.
func (c *client) best(ctx context.Context, rounds int, t target, dir, src string, want [sha256.Size]byte) (time.Duration, error) {
	var out time.Duration
	local := filepath.Join(c.work, "downloaded.bin")
	for i := range rounds {
		cmd := "put " + src + " " + t.remote
		if dir == "download" {
			cmd = "get " + t.remote + " " + local
		}
		syscall.Sync() // no write-back of the previous round during this one
		d, err := c.batch(ctx, t, cmd)
		if err != nil {
			return 0, err
		}
		if dir == "download" {
			got, err := fileSum(local)
			if err != nil {
				return 0, err
			}
			if got != want {
				return 0, fmt.Errorf("downloaded file differs from the uploaded one (sha256)")
			}
			_ = os.Remove(local)
		}
		if i == 0 || d < out {
			out = d
		}
	}
	return out, nil
}

// batch runs `sftp -b` with one command against t and returns how long it took.
func (c *client) batch(ctx context.Context, t target, command string) (time.Duration, error) {
	host, port, err := net.SplitHostPort(t.addr)
	if err != nil {
		return 0, err
	}
	batch := filepath.Join(c.work, "batch")
	if err := os.WriteFile(batch, []byte(command+"\n"), 0o600); err != nil {
		return 0, err
	}
	args := []string{"-q", "-b", batch, "-i", c.key, "-P", port, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"}
	if c.cipher != "" {
		args = append(args, "-c", c.cipher)
	}
	args = append(args, t.login+"@"+host)
	start := time.Now()
	out, err := exec.CommandContext(ctx, "sftp", args...).CombinedOutput()
	took := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("sftp %q: %w\n%s", command, err, out)
	}
	return took, nil
}

// result is one direction, ours (took[0]) against OpenSSH (took[1]).
type result struct {
	name  string
	bytes int64
	took  [2]time.Duration
}

func mbps(n int64, d time.Duration) float64 { return float64(n) / 1e6 / d.Seconds() }

// ratio is ours/OpenSSH in MB/s.
func (r result) ratio() float64 { return r.took[1].Seconds() / r.took[0].Seconds() }

func (r result) print() {
	fmt.Printf("%-28s skypanel SFTP %7.1f MB/s   OpenSSH sftp-server %7.1f MB/s   ratio %.2f\n",
		r.name, mbps(r.bytes, r.took[0]), mbps(r.bytes, r.took[1]), r.ratio())
}

func verdict(ok bool, name, got string) {
	v := "PASS"
	if !ok {
		v = "MISS"
	}
	fmt.Printf("%s  %-50s %s\n", v, name, got)
}
