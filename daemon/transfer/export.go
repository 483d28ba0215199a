package transfer

import (
	"archive/tar"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"time"

	"github.com/skypanel/skypanel/daemon/backup"
)

// Source is the server Export reads. The caller keeps the server stopped (nothing writes its
// folder) while Export runs.
type Source struct {
	Server  string
	Volume  string          // the server's folder
	Backups *backup.Manager // its finished backups are exported; nil: none
	Log     *slog.Logger
}

// Export writes the server's archive (see the package doc) to w and returns the sha256 (hex)
// of the bytes written. A volume a backup would refuse (a name a restore refuses, a sparse
// file) fails the export before its first byte.
func Export(ctx context.Context, w io.Writer, src Source) (string, error) {
	root, err := os.OpenRoot(src.Volume)
	if err != nil {
		return "", fmt.Errorf("open the server's folder: %w", err)
	}
	defer root.Close()
	fi, err := root.Stat(".")
	if err != nil {
		return "", fmt.Errorf("the server's folder: %w", err)
	}
	hw := NewHashWriter(w)
	tw := tar.NewWriter(hw)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: volumePrefix,
		Mode: int64(fi.Mode().Perm()), ModTime: fi.ModTime(), Format: tar.FormatPAX}); err != nil {
		return "", err
	}
	stats, err := backup.WriteTree(ctx, tw, root, volumePrefix, 0, src.Log)
	if err != nil {
		return "", fmt.Errorf("export the server's files: %w", err)
	}
	m := Manifest{Version: Version, Entries: stats.Entries, VolumeBytes: stats.Bytes}
	if src.Backups != nil {
		if m.Backups, err = exportBackups(ctx, tw, src); err != nil {
			return "", err
		}
	}
	b, _ := json.Marshal(m)
	if err := writeFile(tw, manifestName, b); err != nil {
		return "", err
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	return hw.Sum(), nil
}

// exportBackups writes every finished backup of the server: metadata, then archive.
func exportBackups(ctx context.Context, tw *tar.Writer, src Source) (int, error) {
	list, err := src.Backups.List(src.Server)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, in := range list {
		if in.State != backup.StateDone {
			continue
		}
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if err := exportBackup(tw, src, in); err != nil {
			return n, fmt.Errorf("export backup %s: %w", in.ID, err)
		}
		n++
	}
	return n, nil
}

func exportBackup(tw *tar.Writer, src Source, in backup.Info) error {
	f, in, err := src.Backups.Open(src.Server, in.ID)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	if err := writeFile(tw, path.Join(backupsPrefix, in.ID+metaExt), b); err != nil {
		return err
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: path.Join(backupsPrefix, in.ID+archiveExt),
		Mode: 0o600, Size: in.Size, ModTime: in.Created}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	n, err := io.CopyBuffer(onlyWriter{tw}, io.LimitReader(f, in.Size), make([]byte, 1<<20))
	if err == nil && n != in.Size {
		err = fmt.Errorf("the archive has %d bytes, %d recorded", n, in.Size)
	}
	return err
}

// writeFile writes a small regular file entry.
func writeFile(tw *tar.Writer, name string, b []byte) error {
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o600, Size: int64(len(b)),
		ModTime: time.Now().Truncate(time.Second)}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := tw.Write(b)
	return err
}

// onlyWriter hides ReadFrom so io.CopyBuffer uses the given buffer.
type onlyWriter struct{ io.Writer }
