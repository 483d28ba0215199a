package transfer

import (
	"archive/tar"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/skypanel/skypanel/daemon/backup"
)

// entry routes one archive entry by its name.
func (im *importer) entry(ctx context.Context, hdr *tar.Header, r io.Reader) error {
	name := hdr.Name
	switch {
	case im.ended:
		return invalid("entry %q after the end marker", name)
	case name == volumePrefix:
		if hdr.Typeflag != tar.TypeDir {
			return invalid("entry %q is not a folder", name)
		}
		im.volTime = hdr.ModTime
		return nil
	case strings.HasPrefix(name, volumePrefix):
		hdr.Name = name[len(volumePrefix):]
		im.entries++
		return im.up.Add(hdr, r)
	case strings.HasPrefix(name, backupsPrefix):
		if hdr.Typeflag != tar.TypeReg {
			return invalid("entry %q is not a regular file", name)
		}
		return im.backup(ctx, name[len(backupsPrefix):], hdr, r)
	case name == manifestName:
		return im.end(hdr, r)
	}
	return invalid("unexpected entry %q", name)
}

// backup reads a backup's metadata (<id>.json) or, right after it, its archive (<id>.tar.gz).
func (im *importer) backup(ctx context.Context, rest string, hdr *tar.Header, r io.Reader) error {
	if im.backups == nil {
		return invalid("the archive holds backups; this node takes none for the server")
	}
	if id, ok := strings.CutSuffix(rest, metaExt); ok {
		if im.pending != nil {
			return invalid("backup %s has no archive", im.pending.ID)
		}
		if max := im.maxBackups(); im.backups.Len() >= max {
			return invalid("more than %d backups", max)
		}
		var in backup.Info
		if err := readJSON(hdr, r, &in); err != nil {
			return err
		}
		if in.ID != id {
			return invalid("the metadata of backup %q names backup %q", id, in.ID)
		}
		im.pending = &in
		return nil
	}
	id, ok := strings.CutSuffix(rest, archiveExt)
	switch {
	case !ok:
		return invalid("unexpected entry %q", backupsPrefix+rest)
	case im.pending == nil || im.pending.ID != id:
		return invalid("the archive of backup %q comes without its metadata", id)
	case hdr.Size != im.pending.Size:
		return invalid("backup %s has %d bytes, its metadata says %d", id, hdr.Size, im.pending.Size)
	}
	in := *im.pending
	im.pending = nil
	return im.backups.Add(ctx, in, r, im.maxBackupBytes(), ErrArchiveInvalid)
}

// end checks the end marker against what was read.
func (im *importer) end(hdr *tar.Header, r io.Reader) error {
	if hdr.Typeflag != tar.TypeReg {
		return invalid("entry %q is not a regular file", hdr.Name)
	}
	var m Manifest
	if err := readJSON(hdr, r, &m); err != nil {
		return err
	}
	backups := 0
	if im.backups != nil {
		backups = im.backups.Len()
	}
	switch {
	case m.Version != Version:
		return invalid("format version %d; this node reads version %d", m.Version, Version)
	case im.pending != nil:
		return invalid("backup %s has no archive", im.pending.ID)
	case m.Entries != im.entries || m.VolumeBytes != im.up.Bytes() || m.Backups != backups:
		return invalid("the end marker lists %d entries, %d bytes and %d backups; the archive held %d, %d and %d",
			m.Entries, m.VolumeBytes, m.Backups, im.entries, im.up.Bytes(), backups)
	}
	im.manifest, im.ended = m, true
	return nil
}

func (im *importer) maxBackups() int {
	if im.dst.MaxBackups > 0 {
		return im.dst.MaxBackups
	}
	return DefaultMaxBackups
}

// maxBackupBytes bounds one backup archive: the disk limit plus gzip's worst case overhead
// (0 = no bound, like the limit).
func (im *importer) maxBackupBytes() int64 {
	if l := im.dst.LimitBytes; l > 0 {
		return l + l/16 + 1<<20
	}
	return 0
}

// readJSON decodes a small JSON entry.
func readJSON(hdr *tar.Header, r io.Reader, v any) error {
	if hdr.Size > maxJSONBytes {
		return invalid("entry %q has %d bytes; at most %d are allowed", hdr.Name, hdr.Size, maxJSONBytes)
	}
	b, err := io.ReadAll(io.LimitReader(r, hdr.Size))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return invalid("entry %q: %v", hdr.Name, err)
	}
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrArchiveInvalid}, args...)...)
}
