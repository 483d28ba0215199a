package installtest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io/fs"
	"strings"
)

// File is an archive member: a folder when Name ends with "/", a symlink to Link when Link is
// set (a hard link when Hard is also set), else a file with Body and Mode (default 0644).
type File struct {
	Name string
	Body string
	Mode int64
	Link string
	Hard bool
}

// Zip builds a zip archive.
func Zip(files ...File) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.Name, Method: zip.Deflate}
		body := f.Body
		switch {
		case f.Link != "":
			h.SetMode(fs.ModeSymlink | 0o777)
			body = f.Link
		case strings.HasSuffix(f.Name, "/"):
			h.SetMode(fs.ModeDir | 0o755)
		default:
			h.SetMode(fs.FileMode(mode(f)))
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			panic(err)
		}
		_, _ = w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// TarGz builds a gzip-compressed tar archive.
func TarGz(files ...File) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		h := &tar.Header{Name: f.Name, Mode: mode(f), Typeflag: tar.TypeReg, Size: int64(len(f.Body))}
		switch {
		case f.Link != "" && f.Hard:
			h.Typeflag, h.Linkname, h.Size = tar.TypeLink, f.Link, 0
		case f.Link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, f.Link, 0
		case strings.HasSuffix(f.Name, "/"):
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			panic(err)
		}
		if h.Size > 0 {
			_, _ = tw.Write([]byte(f.Body))
		}
	}
	if err := tw.Close(); err != nil {
		panic(err)
	}
	if err := gz.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func mode(f File) int64 {
	if f.Mode == 0 {
		return 0o644
	}
	return f.Mode
}

// Archives served under /files/ from the start.
var good = []File{
	{Name: "game/"},
	{Name: "game/run.sh", Body: "#!/bin/sh\necho run\n", Mode: 0o755},
	{Name: "game/data/level.dat", Body: "level"},
	{Name: "game/link", Link: "run.sh"},
	{Name: "README.txt", Body: "readme"},
}

func defaultFiles() map[string][]byte {
	data := make([]byte, 256<<10)
	for i := range data {
		data[i] = byte(i*7 + i/251)
	}
	tarGood := append(append([]File{}, good...), File{Name: "game/hard", Link: "game/run.sh", Hard: true})
	corrupt := TarGz(good...)
	return map[string][]byte{
		"data.bin":              data,
		"archive.zip":           Zip(good...),
		"archive.tar.gz":        TarGz(tarGood...),
		"zipslip.zip":           Zip(File{Name: "ok.txt", Body: "fine"}, File{Name: "../../evil.txt", Body: "pwned"}),
		"tarslip.tar.gz":        TarGz(File{Name: "ok.txt", Body: "fine"}, File{Name: "a/../../../evil.txt", Body: "pwned"}),
		"abs.tar.gz":            TarGz(File{Name: "ok.txt", Body: "fine"}, File{Name: "/tmp/evil.txt", Body: "pwned"}),
		"symlink-escape.tar.gz": TarGz(File{Name: "ok.txt", Body: "fine"}, File{Name: "up", Link: "../.."}, File{Name: "up/evil.txt", Body: "pwned"}),
		"symlink-abs.zip":       Zip(File{Name: "ok.txt", Body: "fine"}, File{Name: "etc", Link: "/etc"}),
		"hardlink-escape.tar.gz": TarGz(File{Name: "ok.txt", Body: "fine"},
			File{Name: "passwd", Link: "../../etc/passwd", Hard: true}),
		"corrupt.tar.gz":   corrupt[:len(corrupt)*2/3],
		"notanarchive.txt": []byte("just text, not an archive\n"),
	}
}
