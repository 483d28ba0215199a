// Command sftp is the SFTP benchmark of `make bench` (issue 14): upload and download MB/s of
// one file over loopback, the node's SFTP server (a real panel with its embedded local node,
// logins decided in process, files through daemon/files) against OpenSSH's sshd + sftp-server
// serving the same file from the same file system in the same run. Both are driven by the same
// OpenSSH `sftp -b` client with the same key, once per entry of -ciphers ("default" = the
// client's own choice, what users get: chacha20-poly1305 from sshd, AES from ours, which does not
// offer chacha20; then AES-GCM and AES-CTR forced on both); each figure is the best of -rounds and includes the
// SSH handshake (the same for both). Targets (ours/OpenSSH ≥ 0.8) are printed as PASS/MISS; a
// miss never fails the run.
//
//	go run ./bench/sftp [-mib 256] [-rounds 3] [-ciphers default,aes128-gcm@openssh.com,aes128-ctr] [-dir /var/tmp]
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
)

type options struct {
	mib     int64
	rounds  int
	ciphers string
	dir     string
	keep    bool
}

func main() {
	var o options
	flag.Int64Var(&o.mib, "mib", 256, "size of the transferred file (MiB)")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds of each transfer (the best counts)")
	flag.StringVar(&o.ciphers, "ciphers", "default,aes128-gcm@openssh.com,aes128-ctr",
		"SSH ciphers to measure, comma-separated (each run by both servers); default = the client's own choice, "+
			"what users get (OpenSSH picks chacha20-poly1305 from sshd, AES from ours, which does not offer chacha20)")
	flag.StringVar(&o.dir, "dir", "", "parent of the scratch folder (default: the system temp folder)")
	flag.BoolVar(&o.keep, "keep", false, "keep the scratch folder")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := benchmark(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench/sftp:", err)
		os.Exit(1)
	}
}

// benchmark prepares both servers (a key pair, the source file, the panel and its SFTP
// login, sshd) in a scratch folder and measures them.
func benchmark(ctx context.Context, o options) error {
	work, err := os.MkdirTemp(o.dir, "skypanel-sftpbench-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(work)
	}
	c := &client{work: work, key: filepath.Join(work, "client_key")}
	if err := run(ctx, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", c.key); err != nil {
		return err
	}
	pub, err := os.ReadFile(c.key + ".pub")
	if err != nil {
		return err
	}
	src := filepath.Join(work, "source.bin")
	want, err := writeRandom(src, o.mib<<20)
	if err != nil {
		return err
	}
	p, sftpAddr, err := startPanel(ctx, filepath.Join(work, "panel"))
	if err != nil {
		return err
	}
	defer p.Close()
	login, err := sftpUser(p, "sftpbench", string(pub))
	if err != nil {
		return err
	}
	sshdDir := filepath.Join(work, "openssh")
	if err := os.MkdirAll(sshdDir, 0o700); err != nil {
		return err
	}
	base, err := startSSHD(ctx, sshdDir, string(pub))
	if err != nil {
		return err
	}
	defer base.Close()
	me, err := user.Current()
	if err != nil {
		return err
	}
	fmt.Printf("SFTP benchmark: %d MiB file, best of %d, %s, GOMAXPROCS %d, scratch %s\n",
		o.mib, o.rounds, runtime.Version(), runtime.GOMAXPROCS(0), work)
	ours := target{name: "skypanel SFTP", addr: sftpAddr, login: login, remote: "big.bin"}
	theirs := target{name: "OpenSSH sftp-server", addr: base.addr, login: me.Username, remote: filepath.Join(sshdDir, "big.bin")}
	results, err := c.measure(ctx, o, [2]target{ours, theirs}, src, want)
	if err != nil {
		return err
	}
	fmt.Println("\ntargets (informational)")
	for _, r := range results {
		verdict(r.ratio() >= 0.8, fmt.Sprintf("SFTP %s vs OpenSSH ≥ 0.8", r.name), fmt.Sprintf("%.2f", r.ratio()))
	}
	return nil
}

// measure times uploads and downloads of src (sha256 want) to and from both targets (ours
// first), best of o.rounds, for every cipher of o.ciphers, and prints each result.
func (c *client) measure(ctx context.Context, o options, targets [2]target, src string, want [sha256.Size]byte) ([]result, error) {
	var results []result
	for _, cipher := range strings.Split(o.ciphers, ",") {
		c.cipher = cipher
		if cipher == "default" {
			c.cipher = ""
		}
		for _, dir := range []string{"upload", "download"} {
			r := result{name: dir + " " + strings.TrimSuffix(cipher, "@openssh.com"), bytes: o.mib << 20}
			for i, t := range targets {
				d, err := c.best(ctx, o.rounds, t, dir, src, want)
				if err != nil {
					return nil, fmt.Errorf("%s %s %s: %w", t.name, dir, cipher, err)
				}
				r.took[i] = d
			}
			r.print()
			results = append(results, r)
		}
	}
	return results, nil
}

// writeRandom writes n pseudo-random bytes to path and returns their sha256.
func writeRandom(path string, n int64) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	f, err := os.Create(path)
	if err != nil {
		return sum, err
	}
	h := sha256.New()
	_, err = io.CopyN(io.MultiWriter(f, h), rand.NewChaCha8([32]byte{14}), n)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	copy(sum[:], h.Sum(nil))
	return sum, err
}

// fileSum is the sha256 of a file.
func fileSum(path string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}
