package transfer

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
)

// Entry names of the archive (see the package doc).
const (
	volumePrefix  = "volume/"
	backupsPrefix = "backups/"
	manifestName  = "transfer.json"
	metaExt       = ".json"
	archiveExt    = ".tar.gz"
	// Version is the format version Export writes and Import reads.
	Version = 1

	maxJSONBytes = 64 << 10 // a backup's metadata or the end marker
	// DefaultMaxBackups bounds the backups an import accepts when Dest.MaxBackups is 0.
	DefaultMaxBackups = 1000
)

// Manifest is the end marker (transfer.json): the format version and what came before it.
type Manifest struct {
	Version     int   `json:"version"`
	Entries     int   `json:"entries"`     // volume entries (folders, files, links), the volume itself excluded
	VolumeBytes int64 `json:"volumeBytes"` // bytes of the volume's regular files
	Backups     int   `json:"backups"`
}

// HashWriter counts and sha256-hashes what it passes on to w (Export's output; the panel's
// relay of a transfer).
type HashWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

// NewHashWriter returns a HashWriter writing to w.
func NewHashWriter(w io.Writer) *HashWriter { return &HashWriter{w: w, h: sha256.New()} }

func (hw *HashWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	return n, err
}

// Sum is the sha256, in lowercase hex, of what w took.
func (hw *HashWriter) Sum() string { return hex.EncodeToString(hw.h.Sum(nil)) }

// Bytes is how many bytes w took.
func (hw *HashWriter) Bytes() int64 { return hw.n }

// hashReader counts and hashes what is read through it and keeps the reader's first error
// other than io.EOF (a broken source is not an invalid archive).
type hashReader struct {
	r   io.Reader
	h   hash.Hash
	n   int64
	err error
}

func newHashReader(r io.Reader) *hashReader { return &hashReader{r: r, h: sha256.New()} }

func (hr *hashReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	hr.n += int64(n)
	if err != nil && err != io.EOF && hr.err == nil {
		hr.err = err
	}
	return n, err
}
