package install

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
)

// fetch is one file to download.
type fetch struct {
	url    string
	target string // relative to the server folder
	sha256 string // expected, hex; "" = not checked
	sha1   string
	size   int64 // expected, 0 = unknown
}

// partMeta is stored beside a partial download: what it is a part of, and the validator a
// resumed request sends as If-Range.
type partMeta struct {
	URL          string `json:"url"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
}

func (m partMeta) validator() string {
	if m.ETag != "" && !strings.HasPrefix(m.ETag, "W/") {
		return m.ETag
	}
	return m.LastModified
}

// downloadStep runs a download step: one URL into Target (default: the URL's file name), or
// several URLs into the folder Target (default ".") under their file names.
func (r *run) downloadStep(ctx context.Context, s Step) error {
	if len(s.Files) == 1 && s.Target != "" && !strings.HasSuffix(s.Target, "/") {
		return r.download(ctx, fetch{url: s.Files[0], target: s.Target, sha256: s.SHA256, sha1: s.SHA1})
	}
	for _, u := range s.Files {
		name, err := urlFileName(u)
		if err != nil {
			return err
		}
		f := fetch{url: u, target: path.Join(orDefault(s.Target, "."), name)}
		if len(s.Files) == 1 {
			f.sha256, f.sha1 = s.SHA256, s.SHA1
		}
		if err := r.download(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

// urlFileName is the last path segment of a URL.
func urlFileName(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrInvalidPlan, raw, err)
	}
	name := path.Base(u.Path)
	if name == "" || name == "/" || name == "." || name == ".." {
		return "", fmt.Errorf("%w: %q has no file name; give the step a target", ErrInvalidPlan, raw)
	}
	return name, nil
}

// download fetches f into its target: into a partial file under workDir first, verified, then
// renamed. A failure removes the partial file, except after a cancellation (kill, daemon
// shutdown): then it stays, to be resumed by the next installation.
func (r *run) download(ctx context.Context, f fetch) error {
	target, err := clean(f.target)
	if err != nil {
		return err
	}
	if target == "." || target == workDir || strings.HasPrefix(target, workDir+"/") {
		return fmt.Errorf("%w: download target %q", ErrInvalidPlan, f.target)
	}
	if err := r.mkdirAll(workDir); err != nil {
		return err
	}
	f.target = target
	sum := sha256.Sum256([]byte(f.url + "\x00" + target))
	part := path.Join(workDir, hex.EncodeToString(sum[:12])+".part")
	metaName := part + ".json"
	n, err := r.fetchPart(ctx, f, part, metaName, true)
	if err != nil {
		if !(errors.Is(err, context.Canceled) && ctx.Err() != nil) {
			_ = r.root.Remove(part)
			_ = r.root.Remove(metaName)
		}
		return err
	}
	if err := r.place(part, target); err != nil {
		_ = r.root.Remove(part)
		_ = r.root.Remove(metaName)
		return err
	}
	_ = r.root.Remove(metaName)
	r.say("saved %s (%d bytes)", target, n)
	return nil
}

// place renames a verified download to its target.
func (r *run) place(part, target string) error {
	if err := r.mkdirAll(path.Dir(target)); err != nil {
		return err
	}
	if fi, err := r.root.Lstat(target); err == nil && fi.IsDir() {
		return fmt.Errorf("save %s: it is a folder", target)
	}
	if err := r.give(part); err != nil {
		return err
	}
	if err := r.root.Rename(part, target); err != nil {
		return fmt.Errorf("save %s: %w", target, err)
	}
	return nil
}

// resumeOffset returns how much of a previous partial download of f can be resumed, and its
// If-Range validator (0 when nothing can).
func (r *run) resumeOffset(f fetch, part, metaName string) (int64, string) {
	b, err := r.root.ReadFile(metaName)
	if err != nil {
		return 0, ""
	}
	var m partMeta
	if json.Unmarshal(b, &m) != nil || m.URL != f.url || m.validator() == "" {
		return 0, ""
	}
	fi, err := r.root.Stat(part)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
		return 0, ""
	}
	return fi.Size(), m.validator()
}

// fetchPart downloads (or resumes) f into part and verifies it; it returns the file's size.
func (r *run) fetchPart(ctx context.Context, f fetch, part, metaName string, retry bool) (int64, error) {
	offset, validator := r.resumeOffset(f, part, metaName)
	hdr := http.Header{}
	if offset > 0 {
		hdr.Set("Range", fmt.Sprintf("bytes=%d-", offset))
		hdr.Set("If-Range", validator)
	}
	resp, err := r.in.get(ctx, f.url, hdr)
	if err != nil {
		return 0, err
	}
	defer resp.Close()
	switch {
	case resp.StatusCode == http.StatusPartialContent && offset > 0 && rangeStart(resp) == offset:
		r.say("resuming %s at byte %d", resp.Request.URL, offset)
	case resp.StatusCode == http.StatusOK:
		offset = 0
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && offset > 0 && retry:
		_ = resp.Close()
		_ = r.root.Remove(metaName) // start again from scratch
		return r.fetchPart(ctx, f, part, metaName, false)
	default:
		return 0, statusError(resp)
	}
	meta := partMeta{URL: f.url, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	if b, err := json.Marshal(meta); err == nil {
		if err := r.root.WriteFile(metaName, b, 0o600); err != nil {
			return 0, fmt.Errorf("record download: %w", err)
		}
	}
	hashes := map[string]hash.Hash{"sha256": sha256.New(), "sha1": sha1.New()}
	n, err := r.writePart(resp, f, part, offset, hashes)
	if err != nil {
		return 0, err
	}
	total := offset + n
	if f.size > 0 && total != f.size {
		return 0, fmt.Errorf("%w: %s is %d bytes, expected %d", ErrChecksum, resp.Request.URL, total, f.size)
	}
	for name, want := range map[string]string{"sha256": f.sha256, "sha1": f.sha1} {
		if got := hex.EncodeToString(hashes[name].Sum(nil)); want != "" && !strings.EqualFold(got, want) {
			return 0, fmt.Errorf("%w: %s of %s is %s, expected %s", ErrChecksum, name, resp.Request.URL, got, want)
		}
	}
	return total, nil
}

// writePart appends (offset > 0) or writes the body to part, feeding the hashes with the whole
// file; it fails on a body shorter than announced, and on one that would pass the server's disk
// limit (before writing when the length is announced, else as soon as it crosses it).
func (r *run) writePart(resp *response, f fetch, part string, offset int64, hashes map[string]hash.Hash) (int64, error) {
	flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if offset > 0 {
		flag = os.O_RDWR | os.O_CREATE
	}
	file, err := r.root.OpenFile(part, flag, 0o644)
	if err != nil {
		return 0, fmt.Errorf("create %s: %w", part, err)
	}
	defer file.Close()
	room, err := r.room(f.target) // the part is truncated or holds offset bytes: both counted
	if err != nil {
		return 0, err
	}
	if resp.ContentLength > room {
		return 0, r.tooBig("GET "+resp.Request.URL.String(), resp.ContentLength, room)
	}
	ws := []io.Writer{&capped{w: file, left: room}}
	for _, h := range hashes {
		ws = append(ws, h)
	}
	if offset > 0 { // hash what is already there, then append
		hs := make([]io.Writer, 0, len(hashes))
		for _, h := range hashes {
			hs = append(hs, h)
		}
		if _, err := io.Copy(io.MultiWriter(hs...), io.LimitReader(file, offset)); err != nil {
			return 0, fmt.Errorf("read %s: %w", part, err)
		}
	}
	r.say("downloading %s (%s)", resp.Request.URL, sizeText(resp.ContentLength))
	n, err := io.Copy(io.MultiWriter(ws...), resp)
	if errors.Is(err, errCapped) {
		return n, fmt.Errorf("%w: GET %s: stopped after %s, all the room left by the server's disk limit of %d MiB",
			ErrDiskLimit, resp.Request.URL, mib(n), r.def.Limits.DiskMiB)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return n, fmt.Errorf("%w: GET %s: truncated: the connection closed after %d of %d bytes",
			ErrDownload, resp.Request.URL, n, resp.ContentLength)
	}
	if err != nil {
		return n, err
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, fmt.Errorf("%w: GET %s: truncated: got %d of %d bytes", ErrDownload, resp.Request.URL, n, resp.ContentLength)
	}
	if err := file.Sync(); err != nil {
		return n, fmt.Errorf("write %s: %w", part, err)
	}
	return n, file.Close()
}

// rangeStart is the first byte of a 206 answer's Content-Range ("bytes 100-199/200"), or -1.
func rangeStart(r *response) int64 {
	cr, ok := strings.CutPrefix(r.Header.Get("Content-Range"), "bytes ")
	if !ok {
		return -1
	}
	first, _, _ := strings.Cut(cr, "-")
	n, err := strconv.ParseInt(first, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

func sizeText(n int64) string {
	switch {
	case n < 0:
		return "size unknown"
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}
