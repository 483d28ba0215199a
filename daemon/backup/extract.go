package backup

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/pgzip"

	"github.com/skypanel/skypanel/daemon/files"
)

// extractor writes the entries of one archive under a staging root.
type extractor struct {
	root     *os.Root
	uid, gid int
	chown    bool
	limit    int64
	total    int64
	buf      []byte
	cur      *os.Root // the folder of the previous file (archives list a folder's files together)
	curDir   string
	links    []*tar.Header
	dirTimes []*tar.Header
	hook     func(event string)
	bad      error // the sentinel of an unsafe or broken archive (ErrCorrupt)
}

// newExtractor returns an extractor writing under root; files take root's owner.
func newExtractor(root *os.Root, limit int64, hook func(string), bad error) *extractor {
	x := &extractor{root: root, limit: limit, buf: make([]byte, 1<<20), uid: -1, gid: -1, hook: hook, bad: bad}
	if fi, err := root.Stat("."); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			x.uid, x.gid = int(st.Uid), int(st.Gid)
			x.chown = x.uid != os.Geteuid() || x.gid != os.Getegid()
		}
	}
	return x
}

// extract writes the .tar.gz read from r under stage and returns the SHA-256 of all of r.
func extract(ctx context.Context, r io.Reader, stage string, limit int64, hook func(string)) (string, error) {
	root, err := os.OpenRoot(stage)
	if err != nil {
		return "", err
	}
	defer root.Close()
	x := newExtractor(root, limit, hook, ErrCorrupt)
	defer x.closeCur()
	h := sha256.New()
	hr := &hashReader{r: r, h: h}
	gz, err := pgzip.NewReader(hr)
	if err != nil {
		return "", fmt.Errorf("%w: not a gzip stream: %v", ErrCorrupt, err)
	}
	defer gz.Close()
	if err := x.entries(ctx, tar.NewReader(gz)); err != nil {
		return "", err
	}
	if _, err := io.Copy(io.Discard, gz); err != nil { // the gzip trailer (CRC) and tar padding
		return "", fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if _, err := io.Copy(io.Discard, hr); err != nil {
		return "", err
	}
	if err := x.finish(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (x *extractor) entries(ctx context.Context, tr *tar.Reader) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if err := x.entry(hdr, tr); err != nil {
			return err
		}
	}
}

// entry writes one archive entry (hdr.Name relative to the root) after checking its name.
func (x *extractor) entry(hdr *tar.Header, r io.Reader) error {
	name := hdr.Name
	if hdr.Typeflag == tar.TypeDir {
		name = strings.TrimSuffix(name, "/")
	}
	if err := checkName(name); err != nil {
		return fmt.Errorf("%w: unsafe %v", x.bad, err)
	}
	hdr.Name = name
	switch hdr.Typeflag {
	case tar.TypeDir:
		return x.dir(hdr)
	case tar.TypeReg:
		return x.file(hdr, r)
	case tar.TypeSymlink:
		x.links = append(x.links, hdr) // last: nothing is ever written through a link
		return nil
	}
	return fmt.Errorf("%w: entry %q has unsupported type %q", x.bad, hdr.Name, hdr.Typeflag)
}

func (x *extractor) dir(hdr *tar.Header) error {
	if err := x.mkdirAll(hdr.Name); err != nil {
		return err
	}
	x.dirTimes = append(x.dirTimes, hdr) // its mode too: a read-only folder still gets its files
	return nil
}

func (x *extractor) mkdirAll(name string) error {
	parts := []string{}
	for p := name; p != "."; p = path.Dir(p) {
		parts = append(parts, p)
	}
	slices.Reverse(parts)
	for _, p := range parts {
		err := x.root.Mkdir(p, 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("restore folder %s: %w", p, err)
		}
		if x.chown {
			if err := x.root.Lchown(p, x.uid, x.gid); err != nil {
				return err
			}
		}
	}
	return nil
}

func (x *extractor) file(hdr *tar.Header, tr io.Reader) error {
	if x.total += hdr.Size; x.limit > 0 && x.total > x.limit {
		return fmt.Errorf("%w: the archive holds more than the server's disk limit of %d MiB", files.ErrDiskLimit, x.limit>>20)
	}
	dir, base := path.Split(hdr.Name)
	d, err := x.folder(path.Clean(dir))
	if err != nil {
		return err
	}
	perm := fs.FileMode(hdr.Mode).Perm()
	f, err := d.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, perm)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: entry %s appears twice", x.bad, quote(hdr.Name))
	}
	if err != nil {
		return fmt.Errorf("restore %s: %w", hdr.Name, err)
	}
	n, err := io.CopyBuffer(onlyWriter{f}, tr, x.buf)
	if err == nil && n != hdr.Size {
		err = fmt.Errorf("%w: entry %q is truncated", x.bad, hdr.Name)
	}
	if err == nil && x.chown {
		err = f.Chown(x.uid, x.gid)
	}
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		startWriteback(f, 0, n)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, pgzip.ErrChecksum) {
			err = fmt.Errorf("%w: %v", x.bad, err)
		}
		return fmt.Errorf("restore %s: %w", hdr.Name, err)
	}
	if err := d.Chtimes(base, hdr.ModTime, hdr.ModTime); err != nil {
		return err
	}
	x.hook("extracted:" + hdr.Name)
	return nil
}

// folder returns the Root of a restored folder, creating it when the archive did not list it.
func (x *extractor) folder(dir string) (*os.Root, error) {
	if x.cur != nil && x.curDir == dir {
		return x.cur, nil
	}
	x.closeCur()
	if err := x.mkdirAll(dir); err != nil {
		return nil, err
	}
	d, err := x.root.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("restore folder %s: %w", dir, err)
	}
	x.cur, x.curDir = d, dir
	return d, nil
}

func (x *extractor) closeCur() {
	if x.cur != nil {
		_ = x.cur.Close()
		x.cur = nil
	}
}

// finish creates the symlinks and sets the folders' modes and times (children first).
func (x *extractor) finish() error {
	x.closeCur()
	for _, hdr := range x.links {
		if err := x.mkdirAll(path.Dir(hdr.Name)); err != nil {
			return err
		}
		err := x.root.Symlink(hdr.Linkname, hdr.Name)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: link %s has the name of another entry", x.bad, quote(hdr.Name))
		}
		if err != nil {
			return fmt.Errorf("restore link %s: %w", hdr.Name, err)
		}
		if x.chown {
			if err := x.root.Lchown(hdr.Name, x.uid, x.gid); err != nil {
				return err
			}
		}
	}
	for _, hdr := range slices.Backward(x.dirTimes) {
		if err := x.root.Chmod(hdr.Name, fs.FileMode(hdr.Mode).Perm()); err != nil {
			return err
		}
		if err := x.root.Chtimes(hdr.Name, time.Time{}, hdr.ModTime); err != nil {
			return err
		}
	}
	return nil
}

// hashReader hashes what is read through it.
type hashReader struct {
	r io.Reader
	h hash.Hash
}

func (h *hashReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	return n, err
}
