package install

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// entry is one archive member, checked and normalised.
type entry struct {
	name string // clean, relative
	kind byte   // tar type flag (tar.TypeReg, TypeDir, TypeSymlink, TypeLink) or 0 = skipped
	mode os.FileMode
	link string // symlink target or hard link source
	open func() (io.ReadCloser, error)
	size int64
}

// archive is an opened archive: its entries, read after all were checked.
type archive interface {
	// each calls fn for every entry, in order; check-only passes do not open contents.
	each(fn func(e entry) error) error
}

// extract unpacks the archive source (zip, tar.gz or tar, recognised by content) into target
// (default the server folder). Every entry is checked first: an absolute name, a name or link
// leaving the folder, or contents larger than the room the server's disk limit leaves (counted
// as new files, even where they replace old ones) rejects the whole archive before anything
// is written. Entries are
// unpacked into a staging folder, then merged into target; a failure leaves target untouched.
func (r *run) extract(ctx context.Context, source, target string) error {
	src, err := clean(source)
	if err != nil {
		return err
	}
	dst, err := clean(target)
	if err != nil {
		return err
	}
	f, err := r.root.Open(src)
	if err != nil {
		return fmt.Errorf("extract %s: %w", src, err)
	}
	defer f.Close()
	a, err := openArchive(f)
	if err != nil {
		return fmt.Errorf("extract %s: %w", src, err)
	}
	count, total := 0, int64(0)
	if err := a.each(func(e entry) error {
		count++
		if e.kind == tar.TypeReg { // unpacking writes exactly the announced sizes (writeEntry)
			total = saturatingAdd(total, e.size)
		}
		return checkEntry(e)
	}); err != nil {
		return fmt.Errorf("extract %s: %w", src, err)
	}
	if room, err := r.room(""); err != nil {
		return fmt.Errorf("extract %s: %w", src, err)
	} else if total > room {
		return r.tooBig("extracting "+src, total, room)
	}
	if err := r.mkdirAll(workDir); err != nil {
		return err
	}
	stage := tempName(path.Join(workDir, "extract"))
	if err := r.root.Mkdir(stage, 0o755); err != nil {
		return fmt.Errorf("extract %s: %w", src, err)
	}
	defer func() { _ = r.root.RemoveAll(stage) }()
	sroot, err := r.root.OpenRoot(stage)
	if err != nil {
		return fmt.Errorf("extract %s: %w", src, err)
	}
	defer sroot.Close()
	if err := a.each(func(e entry) error { return r.unpack(ctx, sroot, e) }); err != nil {
		return fmt.Errorf("extract %s: %w", src, err)
	}
	if err := r.mkdirAll(dst); err != nil {
		return err
	}
	top, err := fs.ReadDir(r.root.FS(), stage)
	if err != nil {
		return fmt.Errorf("extract %s: %w", src, err)
	}
	for _, e := range top {
		if err := r.merge(path.Join(stage, e.Name()), path.Join(dst, e.Name())); err != nil {
			return fmt.Errorf("extract %s: %w", src, err)
		}
	}
	r.say("extracted %d entries from %s into %s", count, src, dst)
	return nil
}

// entryName normalises an archive member name; "" means the archive root (skipped).
func entryName(raw string) (string, error) {
	n := strings.ReplaceAll(raw, `\`, "/")
	if strings.HasPrefix(n, "/") || strings.ContainsRune(n, 0) || (len(n) > 1 && n[1] == ':') {
		return "", fmt.Errorf("%w: archive entry %q has an absolute name", ErrUnsafePath, raw)
	}
	c := path.Clean(n)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("%w: archive entry %q escapes the target folder", ErrUnsafePath, raw)
	}
	if c == "." {
		return "", nil
	}
	return c, nil
}

// checkEntry rejects links that point outside the archive's folder.
func checkEntry(e entry) error {
	switch e.kind {
	case tar.TypeSymlink:
		if strings.HasPrefix(e.link, "/") {
			return fmt.Errorf("%w: archive entry %q links to the absolute path %q", ErrUnsafePath, e.name, e.link)
		}
		to := path.Join(path.Dir(e.name), strings.ReplaceAll(e.link, `\`, "/"))
		if to == ".." || strings.HasPrefix(to, "../") {
			return fmt.Errorf("%w: archive entry %q links to %q, outside the target folder", ErrUnsafePath, e.name, e.link)
		}
	case tar.TypeLink:
		if _, err := entryName(e.link); err != nil || e.link == "" {
			return fmt.Errorf("%w: archive entry %q hard-links to %q", ErrUnsafePath, e.name, e.link)
		}
	}
	return nil
}

// unpack writes one checked entry under sroot and gives it to the folder's owner.
func (r *run) unpack(ctx context.Context, sroot *os.Root, e entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if e.name == "" || e.kind == 0 {
		return nil
	}
	if dir := path.Dir(e.name); dir != "." {
		if err := r.mkdirIn(sroot, dir); err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
	}
	if e.kind == tar.TypeDir {
		return r.mkdirIn(sroot, e.name)
	}
	_ = sroot.Remove(e.name) // a repeated entry replaces the earlier one
	var err error
	switch e.kind {
	case tar.TypeSymlink:
		err = sroot.Symlink(e.link, e.name)
	case tar.TypeLink:
		link, _ := entryName(e.link)
		err = sroot.Link(link, e.name)
	default:
		err = writeEntry(sroot, e)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", e.name, err)
	}
	if r.owner.chown {
		if err := sroot.Lchown(e.name, r.owner.uid, r.owner.gid); err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
	}
	return nil
}

func writeEntry(sroot *os.Root, e entry) error {
	rc, err := e.open()
	if err != nil {
		return err
	}
	defer rc.Close()
	mode := e.mode.Perm() | 0o600
	f, err := sroot.OpenFile(e.name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, io.LimitReader(rc, e.size+1))
	if err == nil && n != e.size {
		err = fmt.Errorf("archive entry is %d bytes, its header says %d", n, e.size)
	}
	if err == nil {
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// openArchive recognises a zip, gzip-compressed tar or plain tar by its first bytes.
func openArchive(f *os.File) (archive, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("read: %w", err)
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		fi, err := f.Stat()
		if err != nil {
			return nil, err
		}
		zr, err := zip.NewReader(f, fi.Size())
		if err != nil {
			return nil, fmt.Errorf("not a valid zip archive: %w", err)
		}
		return zipArchive{zr}, nil
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return tarArchive{f: f, gzip: true}, nil
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return tarArchive{f: f}, nil
	}
	return nil, fmt.Errorf("unknown archive format (zip, tar.gz and tar are supported)")
}

type zipArchive struct{ zr *zip.Reader }

func (z zipArchive) each(fn func(e entry) error) error {
	for _, zf := range z.zr.File {
		name, err := entryName(zf.Name)
		if err != nil {
			return err
		}
		e := entry{name: name, mode: zf.Mode(), size: int64(zf.UncompressedSize64), open: zf.Open}
		switch {
		case zf.Mode()&fs.ModeSymlink != 0:
			e.kind = tar.TypeSymlink
			if e.link, err = zipLink(zf); err != nil {
				return err
			}
		case zf.FileInfo().IsDir() || strings.HasSuffix(zf.Name, "/"):
			e.kind = tar.TypeDir
		case zf.Mode().IsRegular():
			e.kind = tar.TypeReg
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// zipLink reads a zip symlink's target (its content).
func zipLink(zf *zip.File) (string, error) {
	rc, err := zf.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 4096))
	return string(b), err
}

type tarArchive struct {
	f    *os.File
	gzip bool
}

func (t tarArchive) each(fn func(e entry) error) error {
	if _, err := t.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var rd io.Reader = bufio.NewReader(t.f)
	if t.gzip {
		gz, err := gzip.NewReader(rd)
		if err != nil {
			return fmt.Errorf("not a valid gzip stream: %w", err)
		}
		defer gz.Close()
		rd = gz
	}
	tr := tar.NewReader(rd)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("corrupt tar archive: %w", err)
		}
		name, err := entryName(h.Name)
		if err != nil {
			return err
		}
		e := entry{name: name, mode: os.FileMode(h.Mode).Perm(), link: h.Linkname, size: h.Size,
			open: func() (io.ReadCloser, error) { return io.NopCloser(tr), nil }}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeDir, tar.TypeSymlink, tar.TypeLink: // the reader maps old-style files to TypeReg
			e.kind = h.Typeflag
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}
