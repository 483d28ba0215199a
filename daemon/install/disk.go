package install

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"

	dfiles "github.com/skypanel/skypanel/daemon/files"
)

// room returns how many bytes the installation may still write under the server's disk limit
// (math.MaxInt64 without one): the limit, minus what the folder holds now (one walk, counted
// like the file manager counts: apparent sizes), plus the size of replaced, a file the write
// replaces ("" for none). ErrDiskLimit when the folder is already over the limit.
func (r *run) room(replaced string) (int64, error) {
	limit := r.def.Limits.DiskMiB << 20
	if limit <= 0 {
		return math.MaxInt64, nil
	}
	used, err := dfiles.Size(r.root)
	if err != nil {
		return 0, fmt.Errorf("measure the server folder: %w", err)
	}
	if used > limit {
		return 0, fmt.Errorf("%w: the server folder holds %s, over its disk limit of %d MiB; delete files first",
			ErrDiskLimit, mib(used), limit>>20)
	}
	var old int64
	if replaced != "" {
		if fi, err := r.root.Lstat(replaced); err == nil && fi.Mode().IsRegular() {
			old = fi.Size()
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("stat %s: %w", replaced, err)
		}
	}
	return limit - used + old, nil
}

// tooBig is the error of a write of n bytes (or more) where only room fit.
func (r *run) tooBig(what string, n, room int64) error {
	return fmt.Errorf("%w: %s needs %s, more than the %s left by the server's disk limit of %d MiB",
		ErrDiskLimit, what, mib(n), mib(room), r.def.Limits.DiskMiB)
}

// mib formats a byte count for messages ("2.5 MiB").
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// capped passes at most left bytes on to w; the write that would pass it writes nothing more
// and fails with errCapped.
type capped struct {
	w    io.Writer
	left int64
}

var errCapped = errors.New("disk limit reached")

func (c *capped) Write(p []byte) (int, error) {
	if int64(len(p)) > c.left {
		return 0, errCapped
	}
	n, err := c.w.Write(p)
	c.left -= int64(n)
	return n, err
}

// saturatingAdd adds a size to a total; a negative size (a lying zip header) or an overflow
// makes the total unbounded.
func saturatingAdd(total, n int64) int64 {
	if n < 0 || total > math.MaxInt64-n {
		return math.MaxInt64
	}
	return total + n
}
